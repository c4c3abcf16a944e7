import { describe, expect, it } from 'vitest';
import { sdkNodeNotice } from '../../src/aws/sdk-node-support.js';

describe("the AWS SDK's Node-version notice, as log fields", () => {
  it('is given on Node 20 and 21, with the version and what the SDK will require', () => {
    expect(sdkNodeNotice('v20.20.2')).toEqual({
      fields: { nodeVersion: 'v20.20.2', awsSdkRequiresNode: '>=22', see: 'https://github.com/aws/aws-sdk-js-v3/issues/7983' },
      message: expect.stringMatching(/^AWS SDK releases after the first week of January 2027 require Node 22 or later; this is Node v20\.20\.2/),
    });
    expect(sdkNodeNotice('v21.7.3')?.fields.nodeVersion).toBe('v21.7.3');
  });

  it('is not given on Node 22 and later, nor for a version it cannot read', () => {
    expect(sdkNodeNotice('v22.0.0')).toBeNull();
    expect(sdkNodeNotice('v24.21.0')).toBeNull();
    expect(sdkNodeNotice('unknown')).toBeNull();
  });
});
