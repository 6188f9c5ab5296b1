import { RunAgentInputSchema } from '@ag-ui/core/schemas';

/**
 * POST /api/sessions/:id/agui takes AG-UI's own RunAgentInput, as a stock AG-UI client
 * (`HttpAgent` of @ag-ui/client) sends it, and answers that one run's events as AG-UI SSE.
 */
export const runAgentInput = RunAgentInputSchema;
export type { RunAgentInput } from '@ag-ui/core';
export { contentToText } from '@ag-ui/core';
