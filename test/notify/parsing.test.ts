import { describe, it, expect } from '@jest/globals';
import { dedupKey, alertOf } from '../../src/notify/alerts';
import { splitNotification, subjectOf } from '../../src/notify/delivery';
import { parseRoutes, routesFor, routeTargets } from '../../src/notify/routes';
import { activeSilenceFor, newSilence, parseSilenceMatchers, parseSilences } from '../../src/notify/silences';
import { parseFlapping } from '../../src/notify/settings';
import { formatNotifications } from '../../cli/format';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:ops';

describe('routes', () => {
  it('fills the defaults and picks the first match, continuing only where a route says so', () => {
    const routes = parseRoutes([
      { name: 'critical', match: { severity: [1] }, target: { snsTopicArn: TOPIC }, continue: true },
      { name: 'web', match: { group: 'web_server' }, target: { eventBus: 'ops-bus' } },
      { name: 'rest', target: { snsTopicArn: TOPIC } },
    ], 'routes');
    expect(routes[1]).toEqual({ name: 'web', match: { group: 'web_server' }, target: { eventBus: 'ops-bus' }, groupBy: ['group', 'rule'], groupWaitMinutes: 0, groupIntervalMinutes: 0, repeatIntervalMinutes: 240, continue: false });
    expect(routesFor(routes, { severity: 1, group: 'web_server', rule: 'InstanceState' }).map((r) => r.name)).toEqual(['critical', 'web']);
    expect(routesFor(routes, { severity: 2, group: 'db', rule: 'InstanceState' }).map((r) => r.name)).toEqual(['rest']);
    expect(routeTargets(routes)).toEqual({ topics: [TOPIC], buses: ['ops-bus'] });
  });

  it.each([
    [[{ name: 'a', target: {} }], /routes\[0\]\.target: give exactly one of snsTopicArn/],
    [[{ name: 'a', target: { snsTopicArn: 'arn:aws:sqs:us-east-1:111111111111:q' } }], /routes\[0\]\.target\.snsTopicArn: .* is not valid; give a topic ARN/],
    [[{ name: 'a', target: { eventBus: 'b' }, groupBy: ['host'] }], /routes\[0\]\.groupBy\[0\]: "host" is not a label/],
    [[{ name: 'a', target: { eventBus: 'b' }, match: { severity: [7] } }], /routes\[0\]\.match\.severity\[0\]: must be a whole number from 1 to 5/],
    [[{ name: 'a', target: { eventBus: 'b' } }, { name: 'a', target: { eventBus: 'b' } }], /routes\[1\]\.name: "a" is used twice/],
    [[{ name: 'a', target: { eventBus: 'b' }, wait: 1 }], /routes\[0\]\.wait: unknown field/],
  ])('refuses a bad route, naming the entry and field (%#)', (input, message) => {
    expect(() => parseRoutes(input, 'routes')).toThrow(message);
  });
});

describe('silences', () => {
  const now = new Date('2026-12-02T10:00:00Z');

  it('parses matchers: rule, group and type-name pairs', () => {
    expect(parseSilenceMatchers('rule=InstanceState, group=web_server,ID=web_server:i-1')).toEqual({ rule: 'InstanceState', group: 'web_server', typeNames: [{ type: 'ID', name: 'web_server:i-1' }] });
    expect(() => parseSilenceMatchers('group')).toThrow(/"group" is not key=value/);
    expect(() => parseSilenceMatchers('')).toThrow(/at least one matcher/);
  });

  it('validates the window and the reason; the same silence has the same id', () => {
    const input = { match: parseSilenceMatchers('group=web_server'), until: '2026-12-02T12:00:00Z', reason: 'patching' };
    expect(newSilence(input, now).id).toBe(newSilence(input, now).id);
    expect(() => newSilence({ ...input, until: '2026-12-02T09:00:00Z' }, now)).toThrow(/--until: .* is in the past/);
    expect(() => newSilence({ ...input, from: '2026-12-02T13:00:00Z' }, now)).toThrow(/--until: .* is not after --from/);
    expect(() => newSilence({ ...input, until: '2027-06-01T00:00:00Z' }, now)).toThrow(/more than 90 days/);
    expect(() => newSilence({ ...input, reason: ' ' }, now)).toThrow(/--reason: say why/);
    expect(() => newSilence({ ...input, until: 'tomorrow' }, now)).toThrow(/--until: "tomorrow" is not a time/);
  });

  it('matches only while active, and every matcher must hold', () => {
    const [silence] = parseSilences([{ match: 'group=web_server,Port=22', from: '2026-12-02T09:00:00Z', until: '2026-12-02T11:00:00Z', reason: 'r' }], 'silences');
    const event = { rule: 'OpenIngress', group: 'web_server', typeNames: [{ type: 'SG', name: 'sg-1' }, { type: 'Port', name: '22' }] };
    expect(activeSilenceFor([silence!], event, now)?.id).toBe(silence?.id);
    expect(activeSilenceFor([silence!], event, new Date('2026-12-02T11:00:00Z'))).toBeUndefined();
    expect(activeSilenceFor([silence!], { ...event, typeNames: [{ type: 'Port', name: '443' }] }, now)).toBeUndefined();
    expect(() => parseSilences([{ match: 'group=x', from: '2026-12-02T09:00:00Z', until: '2026-12-02T11:00:00Z' }], 'silences')).toThrow(/silences\[0\]\.reason/);
  });
});

describe('dedup keys and messages', () => {
  const event = {
    id: 'abc', class: 'AWS_EC2', ems: 'e', rule: 'InstanceState', group: 'web_server', typeNames: [{ type: 'ID', name: 'web_server:i-1' }],
    severity: 5 as const, text: 'OK', count: 3, firstTime: 't0', lastTime: 't1', partition: '111111111111#us-east-1#EC2.Instance',
  };

  it('is stable per event, PagerDuty-sized, and a resolve keeps the key and the trigger\'s severity', () => {
    expect(dedupKey('abc')).toBe(dedupKey('abc'));
    expect(dedupKey('abc')).not.toBe(dedupKey('abd'));
    expect(dedupKey('abc').length).toBeLessThanOrEqual(255);
    const resolve = alertOf(event, 'resolve', 1, 'now');
    expect(resolve).toEqual(expect.objectContaining({ event_action: 'resolve', dedup_key: dedupKey('abc') }));
    expect(resolve.payload.severity).toBe('critical');
  });

  it('splits a group into as few messages as fit, and keeps subjects ASCII within 100 characters', () => {
    const alerts = Array.from({ length: 50 }, (_, i) => alertOf({ ...event, id: `e${i}`, text: 'x'.repeat(1000) }, 'trigger', 2, 'now'));
    const parts = splitNotification({ version: 1, route: 'r', groupKey: '{}', labels: { group: 'web_server' }, status: 'firing', reminder: false, runId: 'run', time: 'now' }, alerts, 20_000);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flatMap((p) => p.alerts)).toHaveLength(50);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(20_000);
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => ({ index: i + 1, of: parts.length })));
    const subject = subjectOf({ ...parts[0]!, route: 'é'.repeat(200) });
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('validates the flapping knob', () => {
    expect(parseFlapping({}, 'flapping')).toEqual({ changes: 3, windowRuns: 6, keepFiringRuns: 1 });
    expect(() => parseFlapping({ changes: 6, windowRuns: 6 }, 'flapping')).toThrow(/flapping\.changes: 6 changes cannot happen/);
  });
});

describe('the run summary line', () => {
  it('says what the notifier sent, held and silenced, and what failed', () => {
    expect(formatNotifications({ sent: 1, alerts: 200, held: 3, silenced: 2, flapping: 1, deferred: false, failed: 0 }))
      .toBe('notified   1 notification (200 alerts), 3 held, 2 silenced, 1 flapping');
    expect(formatNotifications({ sent: 0, alerts: 0, held: 0, silenced: 0, flapping: 0, deferred: true, failed: 1, errors: ['pager → sns: AuthorizationError'] }))
      .toBe('notified   0 notifications (0 alerts), 0 held, 0 silenced, 0 flapping, 1 FAILED (pager → sns: AuthorizationError), more waiting for the next run');
  });
});
