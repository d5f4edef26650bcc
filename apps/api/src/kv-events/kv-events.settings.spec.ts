import { EnvironmentError } from '../config/environment';
import { kvEventsSettings } from './kv-events.settings';

describe('KV events settings', () => {
  it('are off by default, with a replay buffer of 10000 batches', () => {
    expect(kvEventsSettings({})).toMatchObject({ KV_EVENTS_ENDPOINT: undefined, KV_EVENTS_REPLAY_ENDPOINT: undefined, KV_EVENTS_REPLAY_BUFFER: 10000 });
  });

  it('take ZeroMQ endpoints, a topic and the pod address', () => {
    const s = kvEventsSettings({ KV_EVENTS_ENDPOINT: 'tcp://*:5557', KV_EVENTS_REPLAY_ENDPOINT: 'tcp://*:5558', KV_EVENTS_TOPIC: 'kv@x@m', POD_IP: '10.0.0.7', KV_EVENTS_REPLAY_BUFFER: '50' });
    expect(s).toMatchObject({ KV_EVENTS_ENDPOINT: 'tcp://*:5557', KV_EVENTS_REPLAY_ENDPOINT: 'tcp://*:5558', KV_EVENTS_TOPIC: 'kv@x@m', POD_IP: '10.0.0.7', KV_EVENTS_REPLAY_BUFFER: 50 });
  });

  it('stop boot on a bad value, naming each variable', () => {
    const bad = () => kvEventsSettings({ KV_EVENTS_ENDPOINT: 'localhost:5557', POD_IP: 'pod-1', KV_EVENTS_REPLAY_BUFFER: '0' });
    expect(bad).toThrow(EnvironmentError);
    expect(bad).toThrow(/KV_EVENTS_ENDPOINT="localhost:5557": must be a ZeroMQ endpoint such as tcp:\/\/\*:5557/);
    expect(bad).toThrow(/POD_IP="pod-1": must be an ip address/);
    expect(bad).toThrow(/KV_EVENTS_REPLAY_BUFFER="0": must not be less than 1/);
  });
});
