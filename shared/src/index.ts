export * from './errors';
export * from './roles';
export * from './protocol';
export * from './agent-state';
export * from './service-hours';
export * from './identity';
export * from './case-state';
export * from './case';
