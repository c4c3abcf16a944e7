import type fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { restoreAwsMocks } from '../harness/aws-fake.js';
import { checkProperty, type CommandProperty, type Schedule } from '../harness/property.js';
import { startInfra, type Infra } from '../harness/sandbox-world.js';

/** Runs the property against the mutated product and expects a failure naming `expected`. */
export function expectCaught<S extends Schedule>(property: (infra: () => Infra) => CommandProperty<S>, arb: fc.Arbitrary<S>, expected: RegExp, numRuns = 300): void {
  let infra: Infra;
  beforeAll(async () => {
    infra = await startInfra();
    process.env.AWS_ENDPOINT_URL = infra.trap.url;
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL;
    restoreAwsMocks();
    await infra.close();
  });
  it(`the property catches the mutant (${expected.source})`, async () => {
    process.env.PROPERTY_NO_SHRINK = '1';
    let message = '';
    try {
      await checkProperty(property(() => infra), arb, numRuns);
    } catch (err) {
      message = (err as Error).message;
    }
    const found = message.split('\n').filter((l) => /^\s+invariant \d/.test(l));
    console.log(found.slice(0, 3).join('\n') || '(not caught)');
    expect(found.join('\n')).toMatch(expected);
  });
}
