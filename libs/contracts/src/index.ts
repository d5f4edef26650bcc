// Types shared by the API and the admin dashboard. The API's responses are typed with these, so a
// change here shows up as a compile error on both sides.
export * from './admin';
export * from './platform';
export * from './stats';
export * from './stream';
export * from './tenancy';
