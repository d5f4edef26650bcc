// Every migration, in order. A new migration is added here (and nowhere else).
import { PlatformSettings1732780800000 } from './1732780800000-platform-settings';
import { TenantsPromptsUsage1764316800000 } from './1764316800000-tenants-prompts-usage';
import { PromptVersionWarming1765500000000 } from './1765500000000-prompt-version-warming';
import { AdminConsole1767225600000 } from './1767225600000-admin-console';
import { UsagePromptVersion1767312000000 } from './1767312000000-usage-prompt-version';
import { PromptChangeNotify1767398400000 } from './1767398400000-prompt-change-notify';
import { CredentialChangeNotify1767484800000 } from './1767484800000-credential-change-notify';

export const migrations = [PlatformSettings1732780800000, TenantsPromptsUsage1764316800000, PromptVersionWarming1765500000000, AdminConsole1767225600000, UsagePromptVersion1767312000000, PromptChangeNotify1767398400000, CredentialChangeNotify1767484800000];
