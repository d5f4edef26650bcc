// Native builds, Postgres clusters and model loading make for slow first steps on 2 cores.
jest.setTimeout(180000);
