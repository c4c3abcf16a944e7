/** Every route the sandbox serves, as Django resolves them (first match wins). */
import type { RouteDef } from '../route.js';
import { attributeRoutes } from './attributes.js';
import { challengeRoutes } from './challenges.js';
import { clusterRoutes } from './clusters.js';
import { ec2Routes } from './ec2.js';
import { lambdaRoutes } from './lambda.js';
import { metricsRoutes } from './metrics.js';
import { submissionRoutes } from './submissions.js';
import { workerRoutes } from './workers.js';

export const ROUTES: RouteDef[] = [
  ...challengeRoutes,
  ...metricsRoutes,
  ...lambdaRoutes,
  ...attributeRoutes,
  ...workerRoutes,
  ...ec2Routes,
  ...clusterRoutes,
  ...submissionRoutes,
];
