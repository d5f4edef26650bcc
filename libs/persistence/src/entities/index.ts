// Every entity. A new entity is added here (and nowhere else).
import { AdminSession } from './admin-session.entity';
import { ApiKey } from './api-key.entity';
import { PlatformSetting } from './platform-setting.entity';
import { Prompt } from './prompt.entity';
import { PromptVersion, type PromptVersionStatus } from './prompt-version.entity';
import { Tenant } from './tenant.entity';
import { UsageRecord } from './usage-record.entity';

export { AdminSession, ApiKey, PlatformSetting, Prompt, PromptVersion, Tenant, UsageRecord };
export type { PromptVersionStatus };
export const entities = [PlatformSetting, Tenant, ApiKey, Prompt, PromptVersion, UsageRecord, AdminSession];
