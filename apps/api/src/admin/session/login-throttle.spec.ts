import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  it('refuses a key after its limit of failures until the window ends', () => {
    const throttle = new LoginThrottle({ limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterSeconds('a', 1000)).toBe(0);
      throttle.fail('a', 1000);
    }
    expect(throttle.retryAfterSeconds('a', 1000)).toBe(60);
    expect(throttle.retryAfterSeconds('a', 31_000)).toBe(30);
    expect(throttle.retryAfterSeconds('b', 31_000)).toBe(0);
    expect(throttle.retryAfterSeconds('a', 61_000)).toBe(0);
  });

  it('forgets a key on reset (a successful login)', () => {
    const throttle = new LoginThrottle({ limit: 1, windowMs: 60_000 });
    throttle.fail('a', 0);
    expect(throttle.retryAfterSeconds('a', 0)).toBe(60);
    throttle.reset('a');
    expect(throttle.retryAfterSeconds('a', 0)).toBe(0);
  });
});
