// Placeholder until the model runtime lands (issue 5).
export {};
