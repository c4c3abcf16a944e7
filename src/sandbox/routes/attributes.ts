/**
 * `POST /api/challenges/challenge/update_challenge_attributes/` (contract §2.14): staff
 * only (401, sic), a fixed list of attributes assigned raw and coerced the way the
 * Django model fields do on save.
 */
import { isStaff } from '../access.js';
import { parseDjangoDatetime } from '../datetime.js';
import { errorReply, jsonReply, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';

type Coerce = (value: unknown, field: string) => unknown;

function pyRepr(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

const textField =
  (nullable: boolean): Coerce =>
  (value, field) => {
    if (value === null) {
      if (nullable) return null;
      throw new Error(`null value in column "${field}" violates not-null constraint`);
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  };

const intField =
  (nullable: boolean): Coerce =>
  (value, field) => {
    if (value === null) {
      if (nullable) return null;
      throw new Error(`null value in column "${field}" violates not-null constraint`);
    }
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
    if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
    throw new Error(`invalid literal for int() with base 10: ${pyRepr(value)}`);
  };

const boolField: Coerce = (value) => {
  if (value === true || value === 1 || value === 't' || value === 'True' || value === '1') return true;
  if (value === false || value === 0 || value === 'f' || value === 'False' || value === '0') return false;
  throw new Error(`["${pyRepr(value)} value must be either True or False."]`);
};

const dateField: Coerce = (value) => {
  if (value === null) return null;
  if (typeof value === 'string') {
    const parsed = parseDjangoDatetime(value) ?? (/^\d{4}-\d{1,2}-\d{1,2}$/.test(value) ? parseDjangoDatetime(`${value}T00:00`) : null);
    if (parsed) return parsed;
  }
  throw new Error(
    `["${pyRepr(value)} value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."]`,
  );
};

const ATTRIBUTES: Record<string, Coerce> = {
  title: textField(false),
  short_description: textField(true),
  description: textField(true),
  terms_and_conditions: textField(true),
  submission_guidelines: textField(true),
  evaluation_details: textField(true),
  ephemeral_storage: intField(false),
  ec2_storage: intField(false),
  workers: intField(true),
  worker_cpu_cores: intField(true),
  worker_memory: intField(true),
  is_disabled: boolField,
  published: boolField,
  featured: boolField,
  evaluation_module_error: textField(true),
  end_date: dateField,
  start_date: dateField,
  max_concurrent_submission_evaluation: intField(false),
  sqs_retention_period: intField(false),
};

function updateChallengeAttributes(ctx: ViewContext): Reply {
  if (!isStaff(ctx.user)) throw errorReply(401, 'Sorry, you are not authorized to access this resource!');
  const data = ctx.data();
  const pk = data.challenge_pk;
  if (pk === undefined || pk === null || pk === '' || pk === 0) throw errorReply(400, 'Challenge primary key is missing!');
  const challenge = ctx.state.challenges.get(Number(pk));
  if (!challenge) throw errorReply(404, `Challenge with primary key ${String(pk)} not found!`);
  const updates: [string, unknown][] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === 'challenge_pk') continue;
    const coerce = ATTRIBUTES[key];
    if (!coerce) throw errorReply(400, `Updating '${key}' is not allowed.`);
    try {
      updates.push([key, coerce(value, key)]);
    } catch (err) {
      throw errorReply(400, (err as Error).message);
    }
  }
  const target = challenge as unknown as Record<string, unknown>;
  for (const [key, value] of updates) target[key] = value;
  return jsonReply(200, { message: `Challenge attributes updated successfully for challenge with primary key ${String(pk)}!` });
}

export const attributeRoutes: RouteDef[] = [
  {
    name: 'update_challenge_attributes',
    pattern: /^\/api\/challenges\/challenge\/update_challenge_attributes\/$/,
    methods: ['POST'],
    auth: 'user',
    throttle: 'user',
    view: updateChallengeAttributes,
  },
];

