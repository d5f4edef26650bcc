// The engine loads and generates on 2 shared cores: give e2e tests room (the root config does too).
jest.setTimeout(180_000);
