import { EnvironmentError } from '../config/environment';
import { engineMetricsSettings } from './engine-metrics.settings';

describe('module settings from the environment', () => {
  it('read a port, unset or empty as undefined, and ignore other variables', () => {
    expect(engineMetricsSettings({ ENGINE_METRICS_PORT: '9400', PATH: '/bin' })).toEqual({ ENGINE_METRICS_PORT: 9400 });
    expect(engineMetricsSettings({}).ENGINE_METRICS_PORT).toBeUndefined();
    expect(engineMetricsSettings({ ENGINE_METRICS_PORT: '' }).ENGINE_METRICS_PORT).toBeUndefined();
  });

  it('stop boot naming the variable and the fault', () => {
    expect(() => engineMetricsSettings({ ENGINE_METRICS_PORT: 'http' })).toThrow(EnvironmentError);
    expect(() => engineMetricsSettings({ ENGINE_METRICS_PORT: 'http' })).toThrow('ENGINE_METRICS_PORT="http": must be an integer number');
    expect(() => engineMetricsSettings({ ENGINE_METRICS_PORT: '70000' })).toThrow(/ENGINE_METRICS_PORT="70000": must not be greater than 65535/);
  });
});
