import { automock } from '../../test/automock';
import { PromptController } from './prompt.controller';
import { PromptService } from './prompt.service';

describe('PromptController', () => {
  const tenant = { id: 't1', keyId: 'k1' };
  const prompts = automock(PromptService);
  const controller = new PromptController(prompts);

  it("passes the authenticated tenant and the body's fields to the service, and returns its answer", async () => {
    const info = { id: 'p1' } as never;
    prompts.create.mockResolvedValue(info);
    await expect(controller.create(tenant, { name: 'support', content: 'hello' })).resolves.toBe(info);
    expect(prompts.create).toHaveBeenCalledWith('t1', 'support', 'hello');

    prompts.update.mockResolvedValue(info);
    await expect(controller.update(tenant, 'p1', { content: 'new' })).resolves.toBe(info);
    expect(prompts.update).toHaveBeenCalledWith('t1', 'p1', 'new');
  });

  it("reads and deletes only within the caller's tenant", async () => {
    prompts.list.mockResolvedValue([]);
    await expect(controller.list(tenant)).resolves.toEqual([]);
    expect(prompts.list).toHaveBeenCalledWith('t1');
    await controller.get(tenant, 'p1');
    expect(prompts.get).toHaveBeenCalledWith('t1', 'p1');
    await controller.remove(tenant, 'p1');
    expect(prompts.remove).toHaveBeenCalledWith('t1', 'p1');
  });
});
