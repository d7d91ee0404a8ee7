/**
 * The error-code table (reference §3) as data: which tagged error each code maps to, and the documented message.
 * The client maps answers with it and the simulator writes its failures from it.
 *
 * @internal
 */

export type ApiErrorTag =
  | "ProfileNotReady"
  | "InsufficientBalance"
  | "OperationNotAllowed"
  | "PriceMismatch"
  | "ProfilesUnavailable"
  | "NotFound"
  | "InvalidRequest"
  | "Authentication"
  | "DuplicateTransaction"
  | "ServerBusy"

export const codeTable: Readonly<Record<string, { readonly tag: ApiErrorTag; readonly message: string }>> = {
  "000001": { tag: "ServerBusy", message: "Server error" },
  "000101": { tag: "InvalidRequest", message: "Request header (mandatory) is null" },
  "000102": { tag: "InvalidRequest", message: "Wrong request header format" },
  "000103": { tag: "InvalidRequest", message: "This https request method (get/post) is not supported" },
  "000104": { tag: "InvalidRequest", message: "Request in invalid JSON format" },
  "000105": { tag: "InvalidRequest", message: "Request parameters (mandatory) are not contained" },
  "000106": { tag: "InvalidRequest", message: "Request parameter (mandatory) is null" },
  "000107": { tag: "InvalidRequest", message: "The length of the request parameter does not meet the requirement" },
  "101001": { tag: "Authentication", message: "The timestamp of the request has expired" },
  "101002": { tag: "Authentication", message: "This IP is in the blocklist" },
  "101003": { tag: "Authentication", message: "Request signature mismatch." },
  "200002": { tag: "OperationNotAllowed", message: "This operation is not allowed due to the order status." },
  "200005": { tag: "PriceMismatch", message: "Package price error. Check price." },
  "200006": { tag: "PriceMismatch", message: "Total order price amount is wrong. Check prices." },
  "200007": { tag: "InsufficientBalance", message: "the balance is insufficient" },
  "200008": { tag: "InvalidRequest", message: "Order parameters error, contact customer service" },
  "200009": { tag: "OperationNotAllowed", message: "Abnormal order status" },
  "200010": { tag: "ProfileNotReady", message: "Profile is being downloaded" },
  "200011": { tag: "ProfilesUnavailable", message: "Insufficient available profiles for the package" },
  "310241": { tag: "NotFound", message: "The packageCode does not exist." },
  "310243": { tag: "NotFound", message: "The package does not exist." },
  "310272": { tag: "NotFound", message: "the orderNo doesn't exist" },
  "310403": { tag: "NotFound", message: "The ICCID does not exist in the order" },
  "310402": { tag: "DuplicateTransaction", message: "Duplicate transactionId" },
  "400001": { tag: "InvalidRequest", message: "Invalid parameters" },
  "401001": { tag: "Authentication", message: "Authentication failed" },
  "900001": { tag: "ServerBusy", message: "The system is busy, please try again later." }
}

/**
 * The tag for a code, by the table first and then by family (`0001xx` invalid request, `101xxx` authentication,
 * `310xxx` not found); `undefined` for a code no rule covers.
 */
export const tagOf = (code: string, message: string): ApiErrorTag | undefined => {
  const known = codeTable[code]
  if (known !== undefined) return known.tag
  // some answers expose only the message of the pending state (reference §2.3)
  if (/getting resource/i.test(message)) return "ProfileNotReady"
  if (code.startsWith("0001")) return "InvalidRequest"
  if (code.startsWith("101")) return "Authentication"
  if (code.startsWith("310")) return "NotFound"
  return undefined
}
