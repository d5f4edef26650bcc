// Every migration, in order. A new migration is added here (and nowhere else).
import { PlatformSettings1732780800000 } from './1732780800000-platform-settings';

export const migrations = [PlatformSettings1732780800000];
