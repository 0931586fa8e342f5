// Vercel AI SDK: generateText, streamText and a tool round trip, on the
// Chat Completions, Responses and Anthropic Messages endpoints.
// Usage: node ai_sdk.mjs <scenario> <endpoint> <model>
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { apiKey, baseUrl, main } from "./common.mjs";

// The SDK warns on stderr about model ids it does not know; noise here.
globalThis.AI_SDK_LOG_WARNINGS = false;
const [, , , endpoint, modelId] = process.argv;
const openai = createOpenAI({ baseURL: `${baseUrl}/v1`, apiKey });
const anthropic = createAnthropic({ baseURL: `${baseUrl}/v1`, apiKey });
const models = {
  chat: () => openai.chat(modelId),
  responses: () => openai.responses(modelId),
  anthropic: () => anthropic(modelId),
};
const model = models[endpoint]();

const lookup = tool({
  description: "Looks a word up",
  inputSchema: jsonSchema({
    type: "object",
    properties: { query: { type: "string" } },
    required: ["query"],
    additionalProperties: false,
  }),
  execute: async ({ query }) => `found ${query}`,
});

await main({
  async generate() {
    const result = await generateText({
      model,
      prompt: "hello from the ai sdk",
      maxRetries: 0,
    });
    return { text: result.text, finish: result.finishReason, usage: result.usage };
  },
  async stream() {
    const result = streamText({
      model,
      prompt: "hello from the ai sdk",
      maxRetries: 0,
      onError: () => {},
    });
    const pieces = [];
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") pieces.push(part.text);
      if (part.type === "error") throw part.error;
    }
    return { pieces, finish: await result.finishReason };
  },
  async tools() {
    const result = await generateText({
      model,
      prompt: "please call lookup the moon",
      tools: { lookup },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    return {
      text: result.text,
      steps: result.steps.map((step) => ({
        calls: step.toolCalls.map((c) => ({ name: c.toolName, input: c.input })),
        results: step.toolResults.map((r) => r.output),
        text: step.text,
        finish: step.finishReason,
      })),
    };
  },
});
