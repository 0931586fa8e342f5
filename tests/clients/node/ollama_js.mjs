// ollama-js against the gateway's Ollama endpoints.
import { Ollama } from "ollama";
import { apiKey, baseUrl, main } from "./common.mjs";

const ollama = new Ollama({
  host: baseUrl,
  headers: { Authorization: `Bearer ${apiKey}` },
});
const model = "llama3.2";
const messages = [{ role: "user", content: "hello ollama-js" }];
const lookup = {
  type: "function",
  function: {
    name: "lookup",
    description: "Looks a word up",
    parameters: {
      type: "object",
      properties: { query: { type: "string" } },
      required: ["query"],
    },
  },
};

await main({
  async chat() {
    const answer = await ollama.chat({ model, messages });
    return { text: answer.message.content, done: answer.done };
  },
  async chat_stream() {
    const pieces = [];
    let done = null;
    for await (const part of await ollama.chat({ model, messages, stream: true })) {
      if (part.message.content) pieces.push(part.message.content);
      done = part.done;
    }
    return { pieces, done };
  },
  async generate() {
    const answer = await ollama.generate({ model, prompt: "hello generate" });
    return { text: answer.response, done: answer.done };
  },
  async embed() {
    const answer = await ollama.embed({
      model: "text-embedding-3-small",
      input: ["first text", "second text"],
    });
    return { dimensions: answer.embeddings.map((v) => v.length) };
  },
  async show() {
    const answer = await ollama.show({ model });
    return { family: answer.details?.family, capabilities: answer.capabilities };
  },
  async list() {
    return { names: (await ollama.list()).models.map((m) => m.model) };
  },
  async ps() {
    return { names: (await ollama.ps()).models.map((m) => m.model) };
  },
  async version() {
    return await ollama.version();
  },
  async tools() {
    const history = [{ role: "user", content: "please call lookup the moon" }];
    const first = await ollama.chat({ model, messages: history, tools: [lookup] });
    const calls = first.message.tool_calls ?? [];
    history.push(first.message);
    for (const call of calls) {
      history.push({
        role: "tool",
        content: `found ${call.function.arguments.query}`,
        tool_name: call.function.name,
      });
    }
    const second = await ollama.chat({ model, messages: history, tools: [lookup] });
    return {
      calls: calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })),
      text: second.message.content,
    };
  },
});
