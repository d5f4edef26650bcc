import { Matches, type ValidationOptions } from 'class-validator';

/** Text stored in Postgres, which refuses the NUL character (0x00) in text columns. */
export const NoNulCharacter = (options?: ValidationOptions) =>
  Matches(/^[^\u0000]*$/, { message: ({ property }) => `${property} must not contain the NUL character (\\u0000)`, ...options });
