// A cheap look at a parsed JSON body before class-transformer walks it: how deep it nests and how
// long its arrays are. class-transformer recurses (a field nested 5,000 deep overflows the stack)
// and builds an object per array item (30,000 messages cost seconds), so bodies beyond these
// bounds are refused first, without recursion.

/** Deepest nesting any request body needs (a chat message part is 4 levels down). */
export const MAX_JSON_DEPTH = 16;
/** Longest array any request body needs (messages are capped lower by their DTO). */
export const MAX_JSON_ARRAY_ITEMS = 4096;

export interface JsonShapeProblem {
  param: string;
  message: string;
}

/** The first place where `value` nests deeper or holds a longer array than allowed, else null. */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, maxArrayItems = MAX_JSON_ARRAY_ITEMS): JsonShapeProblem | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value: node, depth, path } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return { param: path || 'body', message: `${path || 'body'}: nests deeper than ${maxDepth} levels` };
    if (Array.isArray(node)) {
      if (node.length > maxArrayItems) return { param: path, message: `${path}: has more than ${maxArrayItems} items` };
      node.forEach((item, i) => stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` }));
    } else {
      for (const [key, item] of Object.entries(node)) stack.push({ value: item, depth: depth + 1, path: path ? `${path}.${key}` : key });
    }
  }
  return null;
}
