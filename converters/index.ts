/**
 * otel-companion/converters: OpenTelemetry spans ⇄ the Web Debug Protocol scheme.
 * See docs/converters.md (usage) and docs/scheme-mapping.md (the mapping, and what is lost).
 */
export * from './model';
export { validateDocument, assertDocument, SchemeValidationError, type ValidationResult } from './validate';
export { otlpToScheme, spansToScheme, type OtlpToSchemeResult, type LogInput } from './otlp-to-scheme';
export { schemeToOtlp, ConversionError, type SchemeToOtlpResult, type SchemeToOtlpOptions } from './scheme-to-otlp';
export { decodeOtlpProtobuf, ProtobufDecodeError } from './otlp-protobuf';
export { startBridge, type Bridge, type BridgeOptions } from './bridge/server';
export { stringifyDocument, writeDocument } from './json-writer';
export { WDP, IMPORTANCE_TO_SEVERITY, severityToImportance } from './mapping';
export { traceIdToUuid, uuidToTraceId } from './ids';
export type * from './otlp-types';
