import type { Severity } from '../dto/tap-event';
import {
  InvalidInputError, expectArray, expectInteger, expectRecord, expectString, optionalString, rejectUnknownKeys,
} from '../dto/validation';

/** Where a route's notifications go: an SNS topic, or an EventBridge bus (its name or ARN). */
export type RouteTarget = { snsTopicArn: string } | { eventBus: string };

/** The labels a route may group by (Alertmanager's `group_by`). */
export const GROUP_LABELS = ['group', 'rule', 'class', 'severity', 'account', 'ems'] as const;
export type GroupLabel = (typeof GROUP_LABELS)[number];

/**
 * A notification route: the events it matches (every given matcher must hold), where their notifications go, and how
 * they are grouped. The first route that matches an event takes it, unless that route says `continue`.
 */
export interface Route {
  name: string;
  match: { severity?: Severity[]; group?: string; rule?: string };
  target: RouteTarget;
  groupBy: GroupLabel[];
  /** A new group's first notification waits until its first alert is this old (a run later, on a schedule). */
  groupWaitMinutes: number;
  /** After a group's notification, its next one (new alerts, resolves) waits at least this long. */
  groupIntervalMinutes: number;
  /** A group still firing with nothing new is notified again (a reminder) after this long. */
  repeatIntervalMinutes: number;
  continue: boolean;
}

export const ROUTE_DEFAULTS = { groupBy: ['group', 'rule'] as GroupLabel[], groupWaitMinutes: 0, groupIntervalMinutes: 0, repeatIntervalMinutes: 240 };

const FIELDS = ['name', 'match', 'target', 'groupBy', 'groupWaitMinutes', 'groupIntervalMinutes', 'repeatIntervalMinutes', 'continue'] as const;
const MATCH_FIELDS = ['severity', 'group', 'rule'] as const;
const SNS_TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[\w-]{1,256}$/;
const EVENT_BUS = /^(arn:aws[\w-]*:events:[a-z]{2}(-[a-z]+)+-\d:\d{12}:event-bus\/)?[\w.\-/]{1,256}$/;
const MAX_MINUTES = 7 * 24 * 60;

/** Validates a routes list (cdk.json context `routes`, or a local `--routes` file); errors name the entry and field. */
export function parseRoutes(input: unknown, source: string): Route[] {
  const names = new Set<string>();
  return expectArray(input, source).map((value, i) => {
    const field = `${source}[${i}]`;
    const record = expectRecord(value, field);
    rejectUnknownKeys(record, field, FIELDS);
    const name = expectString(record.name, `${field}.name`, /^[\w.-]{1,64}$/, 'use 1 to 64 letters, digits, ".", "_" or "-"');
    if (names.has(name)) throw new InvalidInputError(`${field}.name`, `"${name}" is used twice; route names must be unique`);
    names.add(name);
    const match = record.match === undefined ? {} : expectRecord(record.match, `${field}.match`);
    rejectUnknownKeys(match, `${field}.match`, MATCH_FIELDS);
    const routeMatch: Route['match'] = {};
    if (match.severity !== undefined) {
      routeMatch.severity = expectArray(match.severity, `${field}.match.severity`)
        .map((s, n) => expectInteger(s, `${field}.match.severity[${n}]`, 1, 5) as Severity);
    }
    const group = optionalString(match.group, `${field}.match.group`);
    if (group !== undefined) routeMatch.group = group;
    const rule = optionalString(match.rule, `${field}.match.rule`);
    if (rule !== undefined) routeMatch.rule = rule;
    const target = expectRecord(record.target, `${field}.target`);
    rejectUnknownKeys(target, `${field}.target`, ['snsTopicArn', 'eventBus']);
    if ((target.snsTopicArn === undefined) === (target.eventBus === undefined)) {
      throw new InvalidInputError(`${field}.target`, 'give exactly one of snsTopicArn (arn:aws:sns:<region>:<account>:<topic>) or eventBus (a bus name or ARN)');
    }
    const routeTarget: RouteTarget = target.snsTopicArn !== undefined
      ? { snsTopicArn: expectString(target.snsTopicArn, `${field}.target.snsTopicArn`, SNS_TOPIC_ARN, 'give a topic ARN, arn:aws:sns:<region>:<account>:<topic>') }
      : { eventBus: expectString(target.eventBus, `${field}.target.eventBus`, EVENT_BUS, 'give an event bus name or its ARN') };
    const groupBy = record.groupBy === undefined ? ROUTE_DEFAULTS.groupBy : expectArray(record.groupBy, `${field}.groupBy`).map((label, n) => {
      if (typeof label !== 'string' || !(GROUP_LABELS as readonly string[]).includes(label)) {
        throw new InvalidInputError(`${field}.groupBy[${n}]`, `${JSON.stringify(label)} is not a label; group by any of: ${GROUP_LABELS.join(', ')}`);
      }
      return label as GroupLabel;
    });
    const minutes = (key: 'groupWaitMinutes' | 'groupIntervalMinutes' | 'repeatIntervalMinutes') =>
      record[key] === undefined ? ROUTE_DEFAULTS[key] : expectInteger(record[key], `${field}.${key}`, 0, MAX_MINUTES);
    if (record.continue !== undefined && typeof record.continue !== 'boolean') throw new InvalidInputError(`${field}.continue`, 'must be true or false');
    return {
      name, match: routeMatch, target: routeTarget, groupBy: [...new Set(groupBy)],
      groupWaitMinutes: minutes('groupWaitMinutes'), groupIntervalMinutes: minutes('groupIntervalMinutes'),
      repeatIntervalMinutes: minutes('repeatIntervalMinutes'), continue: record.continue === true,
    };
  });
}

/** What a route matches an event by. */
export interface Routable {
  severity: Severity;
  group: string | null;
  rule: string;
}

/**
 * The routes an event goes to: the first that matches, and the ones after it while each matching route says
 * `continue`. `severity` is the event's severity when it opened (a cleared event is 5, but its resolve follows its trigger).
 */
export function routesFor(routes: readonly Route[], event: Routable): Route[] {
  const chosen: Route[] = [];
  for (const route of routes) {
    const { severity, group, rule } = route.match;
    if (severity && !severity.includes(event.severity)) continue;
    if (group !== undefined && event.group !== group) continue;
    if (rule !== undefined && event.rule !== rule) continue;
    chosen.push(route);
    if (!route.continue) break;
  }
  return chosen;
}

/** The SNS topics and EventBridge buses the routes name (the stack grants Publish / PutEvents on exactly these). */
export function routeTargets(routes: readonly Route[]): { topics: string[]; buses: string[] } {
  const topics = new Set<string>();
  const buses = new Set<string>();
  for (const route of routes) {
    if ('snsTopicArn' in route.target) topics.add(route.target.snsTopicArn);
    else buses.add(route.target.eventBus);
  }
  return { topics: [...topics].sort(), buses: [...buses].sort() };
}

