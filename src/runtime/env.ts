/** The environment as the configuration loaders read it (process.env, or a test's object). */
export type Env = Record<string, string | undefined>;
