import type { AgentLaunch } from '../adapter.js';
import { SANDBOX_AGENTS_DIR } from '../paths.js';

/** The package, relative to a node_modules directory; its bin `pi` is dist/cli.js. */
export const PI_PACKAGE = '@mariozechner/pi-coding-agent';
export const PI_CLI = `${SANDBOX_AGENTS_DIR}/${PI_PACKAGE}/dist/cli.js`;

/** Pi's agent dir and the approval extension, relative to the sandbox user's $HOME. */
export const PI_AGENT_DIR = '.pi/agent';
export const APPROVAL_EXTENSION = `${PI_AGENT_DIR}/hangar-approval.ts`;
/** Title prefix of the extension's dialog, so that other extensions' dialogs are not taken for approvals. */
export const APPROVAL_TITLE = 'hangar-approval:';

/**
 * Pi has no permission prompts; this extension asks the host through an
 * `input` dialog (RPC `extension_ui_request`) before every tool call, reads
 * (`read`, `ls`, `grep`, `find`) too: the host answers at once what the
 * session's mode allows. It answers `allow`, or `deny:<reason>` which the model is told.
 */
export const APPROVAL_EXTENSION_SOURCE = `import type { ExtensionAPI } from "@mariozechner/pi-coding-agent";
export default function (pi: ExtensionAPI) {
  pi.on("tool_call", async (event, ctx) => {
    if (!ctx.hasUI) return { block: true, reason: "No approver connected" };
    const answer = await ctx.ui.input(${JSON.stringify(APPROVAL_TITLE)} + event.toolName,
      JSON.stringify({ toolCallId: event.toolCallId, toolName: event.toolName, input: event.input }));
    if (answer === "allow") return undefined;
    const reason = answer && answer.startsWith("deny:") ? answer.slice(5).trim() : "";
    return { block: true, reason: reason || "Denied by the Hangar user" };
  });
}
`;

const OPENAI_MODEL = /^(gpt-|o\d|codex)/;

/** Pi's provider for a model: the LLM proxy's Anthropic or OpenAI endpoint. */
export function providerFor(model: string): string {
  return OPENAI_MODEL.test(model) ? 'hangar-openai' : 'hangar';
}

/**
 * models.json: both proxy endpoints, each offering the session's models (its own and those it may
 * switch to with `set_model`); the key is read from HANGAR_TOKEN.
 */
export function modelsJson(launch: Pick<AgentLaunch, 'env' | 'model' | 'models' | 'sessionId'>): string {
  const ids = [...new Set([launch.model, ...launch.models])];
  const models = ids.map((id) => ({ id, contextWindow: 200_000, maxTokens: 8192 }));
  const headers = { 'x-hangar-session': launch.sessionId };
  const providers: Record<string, unknown> = {};
  if (launch.env.ANTHROPIC_BASE_URL)
    providers.hangar = {
      baseUrl: launch.env.ANTHROPIC_BASE_URL,
      api: 'anthropic-messages',
      apiKey: 'HANGAR_TOKEN',
      headers,
      models,
    };
  if (launch.env.OPENAI_BASE_URL)
    providers['hangar-openai'] = {
      baseUrl: launch.env.OPENAI_BASE_URL,
      api: 'openai-responses',
      apiKey: 'HANGAR_TOKEN',
      headers,
      models,
    };
  return `${JSON.stringify({ providers }, null, 2)}\n`;
}

/** The command line of `pi --mode rpc` inside the sandbox. */
export function piCommand(
  launch: Pick<AgentLaunch, 'env' | 'model' | 'permissionMode' | 'resumeId'>,
): string[] {
  const home = launch.env.HOME ?? '/home/hangar';
  return [
    '/usr/bin/node',
    PI_CLI,
    '--mode',
    'rpc',
    '--provider',
    providerFor(launch.model),
    '--model',
    launch.model,
    '--no-extensions',
    ...(launch.permissionMode === 'allow_all' ? [] : ['-e', `${home}/${APPROVAL_EXTENSION}`]),
    ...(launch.resumeId ? ['--session', launch.resumeId] : []),
  ];
}
