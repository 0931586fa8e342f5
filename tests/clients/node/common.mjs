// Shared by the client scripts: the gateway's address and key come from the
// environment the pytest side sets; each script prints one JSON line.
export const baseUrl = process.env.OMNIROUTE_URL;
export const apiKey = process.env.OMNIROUTE_KEY;

export async function main(scenarios) {
  const name = process.argv[2];
  const scenario = scenarios[name];
  if (!scenario) {
    throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios)}`);
  }
  try {
    const result = await scenario();
    process.stdout.write(JSON.stringify({ ok: true, result }) + "\n");
  } catch (error) {
    // What the user would see: the client's own error text and status.
    process.stdout.write(
      JSON.stringify({
        ok: false,
        error: String(error?.message ?? error),
        status: error?.status ?? error?.statusCode ?? error?.status_code ?? null,
        body: error?.responseBody ?? error?.error ?? null,
      }) + "\n",
    );
  }
}
