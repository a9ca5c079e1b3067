package winsim

import (
	"fmt"
	"strings"
)

// faultKind names one of the SOAP faults the simulated WinRM service answers with.
type faultKind int

const (
	faultTimedOut faultKind = iota + 1
	faultUnknownCommand
	faultUnknownShell
	faultAccessDenied
	faultQuota
	faultSchema
	faultHeaderRequired
	faultInvalidHeader
	faultActionNotSupported
	faultResourceNotFound
	faultEncodingLimit
	faultInvalidTimeout
	faultInternal
)

// faultSpec is the fixed part of a fault. Windows sends every WS-Management fault with HTTP 500,
// s:Sender ones included (recordings test_winrs_bad_cmd_id.yml and test_winrs_operation_timeout.yml).
type faultSpec struct {
	code    string // s:Code/s:Value
	subcode string // s:Subcode/s:Value
	detail  string // optional w:FaultDetail URI
	wsman   uint32 // f:WSManFault Code
	reason  string // s:Reason/s:Text
	message string // f:Message; fmt verb %s receives the fault argument when present
	// recorded says the shape and text were copied from a real Windows transcript;
	// the others are inferred from Windows' error tables (winerror.h / wsmerror.h names in comments).
	recorded bool
}

const (
	reasonSelectors = "The WS-Management service cannot process the request because the request contained invalid selectors for the resource. "
	reasonTimedOut  = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
	detailSelectors = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors"
)

var faultSpecs = map[faultKind]faultSpec{
	// Recorded: test_winrs_operation_timeout.yml (ERROR_WSMAN_OPERATION_TIMEDOUT).
	faultTimedOut: {code: "s:Receiver", subcode: "w:TimedOut", wsman: 2150858793,
		reason: reasonTimedOut, message: reasonTimedOut, recorded: true},
	// Recorded: test_winrs_bad_cmd_id.yml (ERROR_WSMAN_UNEXPECTED_SELECTORS).
	faultUnknownCommand: {code: "s:Sender", subcode: "w:InvalidSelectors", detail: detailSelectors, wsman: 2150858843,
		reason: reasonSelectors, recorded: true,
		message: "The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. "},
	// Same fault as an unknown command id; the message is Windows' text for a missing shell
	// (quoted in many client bug reports), not from a recording here.
	faultUnknownShell: {code: "s:Sender", subcode: "w:InvalidSelectors", detail: detailSelectors, wsman: 2150858843,
		reason:  reasonSelectors,
		message: "The request for the Windows Remote Shell with ShellId %s failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. "},
	// An authenticated user outside Administrators (and Remote Management Users): WinRM's
	// authorization check fails with Win32 error 5, reported as WSMAN ERROR CODE 5 by clients
	// (WinRb/WinRM#194). HTTP 500, like every fault. [inferred shape]
	faultAccessDenied: {code: "s:Sender", subcode: "w:AccessDenied", wsman: 5,
		reason: "Access is denied. ", message: "Access is denied. "},
	// ERROR_WSMAN_QUOTA_MAX_SHELLS: MaxShellsPerUser reached. [inferred shape]
	faultQuota: {code: "s:Sender", subcode: "w:QuotaLimit", wsman: 2150859173,
		reason:  "The WS-Management service cannot process the request. This user is allowed a maximum number of %s concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. ",
		message: "The WS-Management service cannot process the request. This user is allowed a maximum number of %s concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "},
	// ERROR_WSMAN_SCHEMA_VALIDATION_ERROR: not XML, not a SOAP 1.2 envelope, or a body that
	// does not fit the action. [inferred shape]
	faultSchema: {code: "s:Sender", subcode: "w:SchemaValidationError", wsman: 2150858817,
		reason:  "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML and retry. ",
		message: "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML and retry. "},
	// ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED: no a:Action or a:MessageID. [inferred shape]
	faultHeaderRequired: {code: "s:Sender", subcode: "a:MessageInformationHeaderRequired", wsman: 2150858769,
		reason:  "The WS-Management service cannot process the request because a required header is missing. ",
		message: "The WS-Management service cannot process the request because a required header is missing. "},
	// ERROR_WSMAN_INVALID_MESSAGE_INFORMATION_HEADER: duplicated addressing headers. [inferred shape]
	faultInvalidHeader: {code: "s:Sender", subcode: "a:InvalidMessageInformationHeader", wsman: 2150858767,
		reason:  "The WS-Management service cannot process the request because the header is not valid. ",
		message: "The WS-Management service cannot process the request because the header is not valid. "},
	// ERROR_WSMAN_INVALID_ACTIONURI. [inferred shape]
	faultActionNotSupported: {code: "s:Sender", subcode: "a:ActionNotSupported", wsman: 2150858753,
		reason:  "The action is not supported by the service. ",
		message: "The WS-Management service cannot process the request because the action %s is not supported. "},
	// ERROR_WSMAN_RESOURCE_NOT_FOUND: a resource URI other than the cmd shell. [inferred shape]
	faultResourceNotFound: {code: "s:Sender", subcode: "w:DestinationUnreachable", wsman: 2150858752,
		reason:  "The WS-Management service cannot process the request. The resource URI is not valid. ",
		message: "The WS-Management service cannot process the request. The resource URI (%s) was not found in the WS-Management catalog. "},
	// ERROR_WSMAN_SERVER_ENVELOPE_LIMIT: a request bigger than MaxEnvelopeSizekb. [inferred shape]
	faultEncodingLimit: {code: "s:Sender", subcode: "w:EncodingLimit",
		detail: "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/ServiceEnvelopeLimit", wsman: 2150858825,
		reason:  "The WS-Management service cannot process the request because the envelope size in the request is too large. ",
		message: "The WS-Management service cannot process the request because the envelope size in the request is too large. The maximum envelope size is %s bytes. "},
	// ERROR_WSMAN_INVALID_TIMEOUT_HEADER: an OperationTimeout that is not an xs:duration. [inferred shape]
	faultInvalidTimeout: {code: "s:Sender", subcode: "w:InvalidHeader", wsman: 2150858881,
		reason:  "The WS-Management service cannot process the request because the timeout header is not valid. ",
		message: "The WS-Management service cannot process the request because the timeout header is not valid. "},
	// Injected transient failure: E_OUTOFMEMORY from the shell plugin, the error Windows answers with
	// when WinRM runs short of memory under load; clients treat it as retryable. [inferred shape]
	faultInternal: {code: "s:Receiver", subcode: "w:InternalError", wsman: 2147942414,
		reason:  "Not enough storage is available to complete this operation. ",
		message: "Not enough storage is available to complete this operation. "},
}

// faultBody renders a fault envelope. arg fills the %s of the message (and reason) when present.
func faultBody(kind faultKind, lang, relatesTo, machine, arg string) []byte {
	spec := faultSpecs[kind]
	reason, message := spec.reason, spec.message
	if strings.Contains(reason, "%s") {
		reason = fmt.Sprintf(reason, arg)
	}
	if strings.Contains(message, "%s") {
		message = fmt.Sprintf(message, arg)
	}
	var b strings.Builder
	b.WriteString(envelopeOpen(lang, actionFault))
	b.WriteString(responseHeader(actionFault, relatesTo))
	b.WriteString(`<s:Body><s:Fault><s:Code><s:Value>`)
	b.WriteString(spec.code)
	b.WriteString(`</s:Value><s:Subcode><s:Value>`)
	b.WriteString(spec.subcode)
	b.WriteString(`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="`)
	b.WriteString(esc(lang))
	b.WriteString(`">`)
	b.WriteString(esc(reason))
	b.WriteString(`</s:Text></s:Reason><s:Detail>`)
	if spec.detail != "" {
		b.WriteString(`<w:FaultDetail>` + spec.detail + `</w:FaultDetail>`)
	}
	fmt.Fprintf(&b, `<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="%d" Machine="%s"><f:Message>`,
		spec.wsman, esc(machine))
	b.WriteString(esc(message))
	b.WriteString(`</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`)
	return []byte(b.String())
}
