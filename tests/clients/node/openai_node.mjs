// openai-node: Chat Completions, plain and streamed.
import OpenAI from "openai";
import { apiKey, baseUrl, main } from "./common.mjs";

const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0 });
const model = "demo/gpt-4o-mini";
const messages = [{ role: "user", content: "hello from openai-node" }];

await main({
  async chat() {
    const completion = await client.chat.completions.create({ model, messages });
    return {
      text: completion.choices[0].message.content,
      finish: completion.choices[0].finish_reason,
      usage: completion.usage,
    };
  },
  async stream() {
    const stream = await client.chat.completions.create({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces = [];
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta?.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    return { pieces, finish, usage };
  },
});
