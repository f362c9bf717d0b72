/** The cluster section: off by default, the Redis password only from REDIS_PASSWORD. */
import { describe, expect, it } from 'vitest';
import { formatConfigProblems, loadConfigText, redactedConfig } from '../../../src/config/index.js';

describe('cluster config', () => {
  it('is off by default (no Redis), with the documented defaults', () => {
    const result = loadConfigText('{}\n', { env: {} });
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.cluster).toEqual({
      failoverMs: 5000,
      onRedisDown: 'local-share',
      localShare: 0.5,
      takeover: 'adopt',
    });
  });

  it('takes the password from REDIS_PASSWORD and never prints it', () => {
    const password = 'redis-secret-0123456789';
    const result = loadConfigText('cluster:\n  redis: redis://127.0.0.1:6379/0\n  group: desk\n', {
      env: { REDIS_PASSWORD: password },
    });
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.secrets.redisPassword).toBe(password);
    expect(JSON.stringify(redactedConfig(result.config))).not.toContain(password);
    expect(JSON.stringify(result.config)).not.toContain(password);
  });

  it('refuses credentials in the URL without showing them', () => {
    const result = loadConfigText('cluster:\n  redis: redis://user:hunter2-secret@127.0.0.1:6379\n', {
      env: {},
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatConfigProblems(result.problems);
    expect(text).toMatch(/cluster\.redis carries credentials: put the password in REDIS_PASSWORD/);
    expect(text).not.toContain('hunter2');
  });
});
