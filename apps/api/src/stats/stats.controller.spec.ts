import { automock } from '../../test/automock';
import { AdminStatsController, TenantStatsController } from './stats.controller';
import { StatsService } from './stats.service';
import { VersionTreeService } from './version-tree.service';

describe('stats controllers', () => {
  const tenant = { id: 't1', keyId: 'k1' };
  const stats = automock(StatsService);
  const versionTree = automock(VersionTreeService);

  it("admin: the platform, any tenant's or everyone's series, prompts and tree", async () => {
    const controller = new AdminStatsController(stats, versionTree);
    await controller.platform();
    expect(stats.platform).toHaveBeenCalled();
    await controller.series({ tenant: 't2', minutes: 60, bucket: 30 });
    expect(stats.series).toHaveBeenCalledWith({ tenantId: 't2', minutes: 60, bucketSeconds: 30 });
    await controller.prompts({});
    expect(stats.prompts).toHaveBeenCalledWith(undefined);
    stats.tree.mockResolvedValue({ chunkSize: 16, chunks: [] });
    await expect(controller.tree({ tenant: 't2' })).resolves.toEqual({ chunkSize: 16, chunks: [] });
    expect(stats.tree).toHaveBeenCalledWith('t2');
    await controller.counts({ tenant: 't2' });
    expect(stats.counts).toHaveBeenCalledWith('t2');
    await controller.treeByVersion({});
    expect(versionTree.tree).toHaveBeenCalledWith(undefined);
  });

  it('tenant: only its own series, prompts and tree', async () => {
    const controller = new TenantStatsController(stats);
    await controller.series(tenant, { minutes: 5, bucket: 60 });
    expect(stats.series).toHaveBeenCalledWith({ tenantId: 't1', minutes: 5, bucketSeconds: 60 });
    await controller.prompts(tenant);
    expect(stats.prompts).toHaveBeenCalledWith('t1');
    // Its own view of the tree: renumbered, no global clock (issue 10).
    await controller.tree(tenant);
    expect(stats.tenantTree).toHaveBeenCalledWith('t1');
    expect(stats.tree).not.toHaveBeenCalled();
  });

  it('refuses more than 2000 buckets with a 400 naming bucket', () => {
    const controller = new TenantStatsController(stats);
    expect(() => controller.series(tenant, { minutes: 10080, bucket: 10 })).toThrow(expect.objectContaining({ status: 400, param: 'bucket' }));
    expect(stats.series).not.toHaveBeenCalled();
  });
});
