'use server';
import { redirect } from 'next/navigation';

import { orBackWithError } from '../../lib/action-errors';
import { createPrompt, deletePrompt, restorePrompt, updatePrompt } from '../../lib/api';

const text = (form: FormData, name: string) => String(form.get(name) ?? '');

export async function createPromptAction(form: FormData): Promise<void> {
  const tenantId = text(form, 'tenantId');
  const prompt = await orBackWithError(`/prompts/new?tenant=${tenantId}`, () => createPrompt(tenantId, text(form, 'name'), text(form, 'content')));
  redirect(`/prompts/${prompt.id}?saved=${prompt.version}`);
}

export async function updatePromptAction(form: FormData): Promise<void> {
  const id = text(form, 'id');
  const prompt = await orBackWithError(`/prompts/${id}`, () => updatePrompt(id, text(form, 'content')));
  redirect(`/prompts/${id}?saved=${prompt.version}`);
}

export async function restorePromptAction(form: FormData): Promise<void> {
  const id = text(form, 'id');
  const prompt = await orBackWithError(`/prompts/${id}`, () => restorePrompt(id, Number(text(form, 'version'))));
  redirect(`/prompts/${id}?saved=${prompt.version}`);
}

export async function deletePromptAction(form: FormData): Promise<void> {
  await orBackWithError(`/prompts/${text(form, 'id')}`, () => deletePrompt(text(form, 'id')));
  redirect('/prompts?deleted=1');
}
