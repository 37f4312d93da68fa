/**
 * Errors are data: a code, a message and an HTTP status. They know nothing of formats; the
 * protocol serializer renders them as JSON or XML like every other answer.
 *
 * Call sites use the named constructors of `Errors` so they read as domain language:
 * `throw Errors.aggregatorNotFound()`.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
    /** Extra response headers (e.g. x-emulator-*), never part of the body. */
    readonly headers: Record<string, string> = {},
  ) {
    // An ApiError is an answer, not a bug: no stack trace to capture (the profile showed the
    // capture costing ~7% of a request on paths that build one, e.g. auth off without a key).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ApiError';
  }
}

const e = (code: string, status: number, message: string) => () => new ApiError(code, message, status);

export const Errors = {
  // --- gateway (protocol.md §6) -------------------------------------------------------------
  missingParameter: (name: string) => new ApiError(`Missing${name}`, `${name} is mandatory for this action.`, 400),
  invalidParameter: (name: string) => new ApiError(`Invalid${name}`, `Specified parameter ${name} is not valid.`, 400),
  invalidFormat: e('InvalidParameter.Format', 400, 'Specified parameter format is not valid.'),
  actionNotFound: e('InvalidAction.NotFound', 404, 'Specified api is not found, please check your url and method.'),
  invalidVersion: e('InvalidVersion', 400, 'Specified parameter Version is not valid.'),
  notImplemented: (action: string) =>
    new ApiError(
      'NotImplemented',
      `The action ${action} exists in Config 2020-09-07 but is not implemented by alicloud-config-emulator.`,
      501,
    ),
  unsupportedMethod: e('UnsupportedHTTPMethod', 400, 'Specified HTTP method is not supported.'),
  malformedParameters: e('RequestParameterMalformed', 400, 'Request parameters has malformed encoded characters.'),
  internalError: e('InternalError', 500, 'The request processing has failed due to some unknown error, exception or failure.'),
  serviceUnavailable: e('ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.'),
  throttlingUser: e('Throttling.User', 400, 'Request was denied due to user flow control.'),
  throttlingApi: e('Throttling.Api', 400, 'Request was denied due to api flow control.'),
  bodyTooLarge: e('RequestBodyTooLarge', 413, 'The request body is larger than the emulator accepts.'),
  headersTooLarge: (maxBytes: number) => new ApiError('RequestHeaderFieldsTooLarge', `The request line and headers are larger than the emulator accepts (${maxBytes} bytes).`, 431),
  malformedRequest: e('MalformedRequest', 400, 'The request is not well-formed HTTP.'),
  tooManyParameters: (max: number) => new ApiError('TooManyParameters', `The request has more than ${max} parameters in its query string or form body.`, 400),

  // --- authentication (protocol.md §6) -------------------------------------------------------
  accessKeyNotFound: e('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'),
  signatureMismatch: (stringToSign: string) =>
    new ApiError('SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`, 400),
  signatureMismatchV3: (stringToSign: string) =>
    new ApiError('SignatureDoesNotMatch', `Specified signature does not match our calculation. server StringToSign is [${stringToSign}]`, 400),
  incompleteSignature: (detail: string) =>
    new ApiError('IncompleteSignature', `The request signature does not conform to Aliyun standards. ${detail}`, 400),
  invalidSignatureMethod: e('InvalidSignatureMethod', 400, 'Specified signature method is not valid.'),
  nonceUsed: e('SignatureNonceUsed', 400, 'Specified signature nonce was used already.'),
  timestampFormat: e('InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: e('InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.'),

  // --- Config, common to most actions --------------------------------------------------------
  accountNotExisted: e('AccountNotExisted', 404, 'Your account does not exist.'),
  noPermission: e('NoPermission', 400, 'You are not authorized to perform this operation.'),
  aggregatorNotFound: e('Invalid.AggregatorId.Value', 400, 'The specified AggregatorId is invalid.'),
  aggregatorMemberNoPermission: e('AggregatorMemberNoPermission', 403, 'The aggregator member is not authorized to perform the operation.'),

  // --- aggregators -----------------------------------------------------------------------------
  aggregatorAccountsEmpty: e('Invalid.AggregatorAccounts.Empty', 400, 'You must specify AggregatorAccounts.'),
  aggregatorAccountsInvalid: e('Invalid.AggregatorAccounts.Value', 400, 'The specified AggregatorAccounts is invalid.'),
  accountTypeInvalid: e('Invalid.AccountType.Value', 400, 'The specified AccountType is invalid.'),
  aggregatorExceedMaxCount: e('AggregatorExceedMaxCount', 400, 'The maximum number of aggregator is exceeded.'),
  aggregatorAccountListDuplicated: e('AggregatorAccountListDuplicated', 400, 'The aggregator account list is duplicated.'),
  aggregatorAccountListItemDuplicated: e('AggregatorAccountListItemDuplicated', 400, 'The aggregator account list item is duplicated.'),
  aggregatorNameDuplicated: e('AggregatorNameDuplicated', 400, 'The aggregator name is duplicated.'),

  // --- compliance packs --------------------------------------------------------------------------
  compliancePackNotFound: e('Invalid.CompliancePackId.Value', 400, 'The specified CompliancePackId does not exist.'),
  compliancePackExists: e('CompliancePackExists', 400, 'The compliance pack already exists.'),
  compliancePackExceedMaxCount: e('CompliancePackExceedMaxCount', 400, 'The maximum number of compliance pack is exceeded.'),
  compliancePackNameInvalid: e('Invalid.CompliancePackName.Value', 400, 'The specified CompliancePackName is invalid.'),
  compliancePackTemplateNotFound: e('Invalid.CompliancePackTemplateId.Value', 400, 'The specified CompliancePackTemplateId does not exist.'),
  configRulesEmpty: e('Invalid.ConfigRules.Empty', 400, 'You must specify ConfigRules.'),
  configRulesInvalid: e('Invalid.ConfigRules.Value', 400, 'The specified ConfigRules is invalid.'),
  configRuleExceedMaxRuleCount: e('ConfigRuleExceedMaxRuleCount', 400, 'The maximum number of config rules is exceeded.'),
  compliancePackReportCreating: e('CompliancePackReportCreating', 400, 'The compliance pack report is being created.'),

  // --- config rules, rules reports and tags (issue 3, part B) -------------------------------------
  configRuleNotExists: e('ConfigRuleNotExists', 400, 'The ConfigRule does not exist.'),
  configRuleExists: e('ConfigRuleExists', 400, 'The ConfigRule already exists.'),
  exceedMaxRuleCount: e('ExceedMaxRuleCount', 400, 'The maximum number of rules is exceeded.'),
  configRuleIdsSizeExceed: e('Invalid.ConfigRuleIds.SizeExceed', 400, 'The maximum number of ConfigRuleIds cannot exceed 20.'),
  configRuleReportCreating: e('ConfigRuleReportCreating', 400, 'The config rule report is being created.'),
  tagResourceTypeInvalid: e('Invalid.ResourceType.Value', 400, 'The specified ResourceType is invalid.'),
  tagResourceIdInvalid: e('Invalid.ResourceId.Value', 400, 'The specified ResourceId is invalid.'),
  tagKeyInvalid: e('Invalid.TagKey.Value', 400, 'The specified TagKey is invalid.'),
  // --- issue 3 part A: aggregators, compliance packs, templates, managed rules ------------------
  aggregatorIdsEmpty: e('Invalid.AggregatorIds.Empty', 400, 'You must specify AggregatorIds.'),
  aggregatorAccountExceedMaxCount: e('AggregatorAccountExceedMaxCount', 400, 'The maximum number of aggregator account is exceeded.'),
  aggregatorAlreadyPending: e('AggregatorAlreadyPending', 400, 'The aggregator has a pending operation and cannot be updated.'),
  compliancePackAlreadyPending: e('CompliancePackAlreadyPending', 400, 'The compliance pack has a pending operation and cannot be updated.'),
  compliancePackIdsEmpty: e('Invalid.CompliancePackIds.Empty', 400, 'You must specify CompliancePackIds.'),
  compliancePackIdsSizeExceed: e('Invalid.CompliancePackIds.SizeExceed', 400, 'The maximum number of CompliancePackIds is 5.'),
  configRuleIdsEmpty: e('Invalid.ConfigRuleIds.Empty', 400, 'You must specify ConfigRuleIds.'),
  srcCompliancePackIdsEmpty: e('Invalid.SrcCompliancePackIds.Empty', 400, 'You must specify SrcCompliancePackIds.'),
  managedRuleNotFound: e('Invalid.Identifier.Value', 400, 'The specified Identifier is invalid.'),
  // --- end issue 3 part A ------------------------------------------------------------------------
} as const;

/** Wraps an unexpected exception: the client gets InternalError, never a stack trace. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return Errors.internalError();
}

// --- compliance evaluation and results (issue 5) -------------------------------------------------
export const EvaluationErrors = {
  configRuleNotExists: e('ConfigRuleNotExists', 400, 'The ConfigRule does not exist.'),
} as const;
