/**
 * Options of every insert. A property whose value is undefined is left out of the stored
 * document, as JSON (and so the PostgreSQL backend) leaves it out; the driver's default writes it
 * as null, and the document read back would differ from the one written (`origin: null`,
 * `tokenId: null` where the writer meant "absent"). Inserts only: in a filter an ignored
 * undefined would widen the match (`{ _id: undefined }` matches every document).
 */
export const INSERT = { ignoreUndefined: true } as const;

/** Unordered: one duplicate key does not stop the rest of the batch. */
export const INSERT_MANY = { ordered: false, ignoreUndefined: true } as const;
