import type { PromptDetail, PromptInfo, PromptVersionInfo } from '@chunkserve/contracts';
import type { Prompt, PromptVersion } from '@chunkserve/persistence';

export function promptInfo(prompt: Prompt, current: PromptVersion): PromptInfo {
  return {
    id: prompt.id,
    name: prompt.name,
    version: current.version,
    tokens: current.tokens,
    cachedTokens: current.cachedTokens,
    chunks: current.chunks,
    status: current.status,
    ...(current.statusDetail ? { statusDetail: current.statusDetail } : {}),
    createdAt: prompt.createdAt.toISOString(),
    updatedAt: prompt.updatedAt.toISOString(),
  };
}

export function versionInfo(v: PromptVersion): PromptVersionInfo {
  return {
    version: v.version,
    content: v.content,
    tokens: v.tokens,
    cachedTokens: v.cachedTokens,
    chunks: v.chunks,
    status: v.status,
    ...(v.statusDetail ? { statusDetail: v.statusDetail } : {}),
    createdAt: v.createdAt.toISOString(),
  };
}

export function promptDetail(prompt: Prompt, versions: PromptVersion[]): PromptDetail {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const current = sorted.find((v) => v.version === prompt.currentVersion)!;
  return { ...promptInfo(prompt, current), content: current.content, versions: sorted.map(versionInfo) };
}
