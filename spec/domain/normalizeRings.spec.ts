import { normalizeRings } from '../../src/domain/index.js';
import type { RoutingTaskNotificationBody } from '../../src/protocol/index.js';
import { deepFreeze, ringsEmptyFrame, ringWaitingFrame, seedIds } from '../../src/testing/fixtures/index.js';

describe('normalizeRings', () => {
  it('yields no ring for the empty notification that follows subscribing', () => {
    expect(normalizeRings(ringsEmptyFrame.body)).toEqual([]);
  });

  it('yields one ring per ringsDetails entry, with its conversation, consumer, skill and task', () => {
    expect(normalizeRings(ringWaitingFrame.body)).toEqual([
      {
        ringId: seedIds.ringId,
        ringState: 'WAITING',
        changeType: 'UPSERT',
        convId: seedIds.ringConvId,
        consumerId: seedIds.consumerId,
        skillId: '-1',
        routingTaskId: seedIds.routingTaskId,
        taskCompleted: false,
        assignedAgentId: undefined,
        ringExpiration: 72000,
        ringExpirationTs: 1517000899442,
        weight: 1517004427244,
      },
    ]);
  });

  it('falls back to the task for ids a ring does not carry, and prefers the ring when both do', () => {
    const body: RoutingTaskNotificationBody = {
      changes: [
        {
          type: 'UPSERT',
          result: {
            conversationId: 'task-conv',
            consumerId: 'task-consumer',
            skillId: 'task-skill',
            ringsDetails: [
              { ringId: 'bare', ringState: 'WAITING' },
              { ringId: 'full', ringState: 'WAITING', convId: 'ring-conv', consumerId: 'ring-consumer', skillId: 'ring-skill' },
            ],
          },
        },
      ],
    };
    const [bare, full] = normalizeRings(body);
    expect(bare).toMatchObject({ convId: 'task-conv', consumerId: 'task-consumer', skillId: 'task-skill' });
    expect(full).toMatchObject({ convId: 'ring-conv', consumerId: 'ring-consumer', skillId: 'ring-skill' });
  });

  it('flattens several changes in wire order and keeps each change type', () => {
    const body: RoutingTaskNotificationBody = {
      changes: [
        { type: 'UPSERT', result: { conversationId: 'a', ringsDetails: [{ ringId: 'a1', ringState: 'WAITING' }, { ringId: 'a2', ringState: 'WAITING' }] } },
        { type: 'DELETE', result: { conversationId: 'b', ringsDetails: [{ ringId: 'b1', ringState: 'CANCELLED' }] } },
      ],
    };
    expect(normalizeRings(body).map((r) => [r.ringId, r.changeType, r.convId, r.ringState])).toEqual([
      ['a1', 'UPSERT', 'a', 'WAITING'],
      ['a2', 'UPSERT', 'a', 'WAITING'],
      ['b1', 'DELETE', 'b', 'CANCELLED'],
    ]);
  });

  it('does not mutate its input', () => {
    const body = deepFreeze(structuredClone(ringWaitingFrame.body));
    expect(() => normalizeRings(body)).not.toThrow();
    expect(body).toEqual(ringWaitingFrame.body);
  });
});
