import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CollectorStack } from '../../lib/stacks/collector-stack';
import { readCollectorDeployment } from '../../lib/stacks/context-knobs';

/** The context `cdk synth` sees: cdk.json's knobs and feature flags. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

export interface SynthesizedCollector {
  app: App;
  stack: CollectorStack;
  template: Template;
}

/**
 * Builds the app as bin/app.ts does, with cdk.json's context plus `context`. Skips bundling and CDK's built-in
 * CloudFormation validation (~7 s per synth): these assertions are about the template, and synth-app.test.ts
 * runs bin/app.ts with both, as `cdk synth` does.
 */
export function synthesizeCollector(context: Record<string, unknown> = {}): SynthesizedCollector {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context },
  });
  const { stackName, props } = readCollectorDeployment(app.node);
  const stack = new CollectorStack(app, stackName, props);
  return { app, stack, template: Template.fromStack(stack) };
}

export function logicalId(stack: CollectorStack, element: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(element.node.defaultChild as CfnElement);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

export interface PolicyGrant {
  actions: string[];
  resources: unknown[];
}

/** Every statement of the policies attached to a function's role, with actions and resources as lists. */
export function grantsOf(stack: CollectorStack, template: Template, fn: IFunction): PolicyGrant[] {
  const roleId = logicalId(stack, fn.role as unknown as { node: { defaultChild?: unknown } });
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[];
  return policies
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .map((statement) => {
      expect(statement.Effect).toBe('Allow');
      return { actions: [statement.Action].flat(), resources: [statement.Resource].flat() };
    });
}

/** The actions granted on Resource "*", without the X-Ray ones `tracing: ACTIVE` adds. */
export function wildcardResourceActions(grants: PolicyGrant[]): string[] {
  return grants
    .filter((grant) => grant.resources.length === 1 && grant.resources[0] === '*')
    .flatMap((grant) => grant.actions)
    .filter((action) => !action.startsWith('xray:'))
    .sort();
}

export function actionsOn(grants: PolicyGrant[], resourcePredicate: (resource: unknown) => boolean): string[] {
  return [...new Set(grants.filter((grant) => grant.resources.some(resourcePredicate)).flatMap((grant) => grant.actions))].sort();
}
