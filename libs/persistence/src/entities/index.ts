// Every entity. A new entity is added here (and nowhere else).
import { PlatformSetting } from './platform-setting.entity';

export { PlatformSetting };
export const entities = [PlatformSetting];
