package winsim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// nsShell is the namespace of the WinRS shell elements.
const nsShell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"

// Actions and URIs of the cmd shell resource.
const (
	actionCreate          = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actionCreateResponse  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse"
	actionDelete          = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actionDeleteResponse  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse"
	actionCommand         = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
	actionCommandResponse = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse"
	actionReceive         = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
	actionReceiveResponse = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse"
	actionSignal          = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
	actionSignalResponse  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse"
	actionSend            = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
	actionSendResponse    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse"
	actionFault           = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

	resourceCmd   = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
	stateDone     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
	stateRunning  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
	signalPrefix  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/"
	anonymousAddr = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// actionNames maps the request actions the simulator serves to the short names used in Stats.
var actionNames = map[string]string{
	actionCreate:  "Create",
	actionCommand: "Command",
	actionReceive: "Receive",
	actionSignal:  "Signal",
	actionDelete:  "Delete",
	actionSend:    "Send",
}

type xmlSelector struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

type xmlEnvelope struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  *struct {
		Action           []string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
		MessageID        []string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
		To               string   `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing To"`
		ResourceURI      string   `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd ResourceURI"`
		OperationTimeout string   `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OperationTimeout"`
		MaxEnvelopeSize  string   `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd MaxEnvelopeSize"`
		Locale           struct {
			Lang string `xml:"lang,attr"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd Locale"`
		Selectors []xmlSelector `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd SelectorSet>Selector"`
		Options   []xmlSelector `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OptionSet>Option"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body *struct {
		Shell *struct {
			IdleTimeOut   string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell IdleTimeOut"`
			InputStreams  string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell InputStreams"`
			OutputStreams string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell OutputStreams"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Shell"`
		CommandLine *struct {
			Command   *string  `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Command"`
			Arguments []string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Arguments"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell CommandLine"`
		Receive *struct {
			DesiredStream *struct {
				CommandID string `xml:"CommandId,attr"`
				Streams   string `xml:",chardata"`
			} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell DesiredStream"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Receive"`
		Signal *struct {
			CommandID string `xml:"CommandId,attr"`
			Code      string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Code"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Signal"`
		Send *struct {
			Streams []struct {
				Name      string `xml:"Name,attr"`
				CommandID string `xml:"CommandId,attr"`
				End       string `xml:"End,attr"`
				Data      string `xml:",chardata"`
			} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Stream"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Send"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

// request is one parsed WS-Management request.
type request struct {
	Action      string
	MessageID   string
	To          string
	ResourceURI string
	Locale      string
	// Timeout is the request's OperationTimeout; zero when absent.
	Timeout time.Duration
	// MaxEnvelope is the request's MaxEnvelopeSize in bytes; zero when absent.
	MaxEnvelope int
	Selectors   map[string]string
	Options     map[string]string

	HasShell bool // Create: rsp:Shell present
	// IdleTimeout is the Create's rsp:Shell/rsp:IdleTimeOut; zero when absent.
	IdleTimeout    time.Duration
	HasCommandLine bool   // Command: rsp:CommandLine with rsp:Command present
	Command        string // Command: program or whole command line
	Arguments      []string
	HasReceive     bool   // Receive: rsp:DesiredStream present
	CommandID      string // Receive, Signal, Send: the CommandId attribute
	HasSignal      bool
	SignalCode     string
	HasSend        bool
}

// parseError says why an envelope was refused; the handler turns it into the matching fault.
type parseError struct {
	kind      faultKind
	messageID string // the MessageID if it could be read, for a:RelatesTo
	detail    string
}

func (e *parseError) Error() string { return e.detail }

// parseEnvelope reads a SOAP 1.2 WS-Management envelope. It never panics; anything that is not a
// well-formed envelope with the addressing headers a WS-Management service requires is a *parseError.
func parseEnvelope(body []byte) (*request, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return nil, err
	}
	r := &request{Selectors: map[string]string{}, Options: map[string]string{}}
	if err := r.readHeader(env); err != nil {
		return nil, err
	}
	if perr := r.readShellBody(env); perr != nil {
		return nil, perr
	}
	return r, nil
}

// decodeEnvelope decodes the XML of an envelope that has both a Header and a Body.
func decodeEnvelope(body []byte) (*xmlEnvelope, error) {
	var env xmlEnvelope
	dec := xml.NewDecoder(bytes.NewReader(body))
	// Clients send UTF-8 (and say so); reject other encodings the way a schema check would.
	dec.CharsetReader = func(charset string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	if err := dec.Decode(&env); err != nil {
		return nil, &parseError{kind: faultSchema, detail: "malformed envelope: " + err.Error()}
	}
	if env.Header == nil || env.Body == nil {
		return nil, &parseError{kind: faultSchema, detail: "envelope without Header or Body"}
	}
	return &env, nil
}

// readHeader reads the addressing and WS-Management headers into r, refusing a missing or
// duplicated Action or MessageID and an unreadable OperationTimeout or MaxEnvelopeSize.
func (r *request) readHeader(env *xmlEnvelope) error {
	h := env.Header
	r.To = strings.TrimSpace(h.To)
	r.ResourceURI = strings.TrimSpace(h.ResourceURI)
	r.Locale = strings.TrimSpace(h.Locale.Lang)
	if len(h.MessageID) == 1 {
		r.MessageID = strings.TrimSpace(h.MessageID[0])
	}
	switch {
	case len(h.Action) == 0 || strings.TrimSpace(h.Action[0]) == "":
		return &parseError{kind: faultHeaderRequired, messageID: r.MessageID, detail: "missing a:Action"}
	case len(h.Action) > 1:
		return &parseError{kind: faultInvalidHeader, messageID: r.MessageID, detail: "duplicate a:Action"}
	case len(h.MessageID) == 0 || r.MessageID == "":
		return &parseError{kind: faultHeaderRequired, detail: "missing a:MessageID"}
	case len(h.MessageID) > 1:
		return &parseError{kind: faultInvalidHeader, detail: "duplicate a:MessageID"}
	}
	r.Action = strings.TrimSpace(h.Action[0])
	if t := strings.TrimSpace(h.OperationTimeout); t != "" {
		d, err := parseDuration(t)
		if err != nil {
			return &parseError{kind: faultInvalidTimeout, messageID: r.MessageID, detail: err.Error()}
		}
		r.Timeout = d
	}
	if s := strings.TrimSpace(h.MaxEnvelopeSize); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return &parseError{kind: faultSchema, messageID: r.MessageID, detail: "bad MaxEnvelopeSize"}
		}
		r.MaxEnvelope = n
	}
	for _, s := range h.Selectors {
		r.Selectors[s.Name] = strings.TrimSpace(s.Value)
	}
	for _, o := range h.Options {
		r.Options[strings.ToUpper(o.Name)] = strings.TrimSpace(o.Value)
	}
	return nil
}

// readShellBody reads into r the parts of the body the shell actions use.
func (r *request) readShellBody(env *xmlEnvelope) *parseError {
	b := env.Body
	if b.Shell != nil {
		r.HasShell = true
		if t := strings.TrimSpace(b.Shell.IdleTimeOut); t != "" {
			d, err := parseDuration(t)
			if err != nil || d <= 0 {
				return &parseError{kind: faultSchema, messageID: r.MessageID, detail: "bad IdleTimeOut"}
			}
			r.IdleTimeout = d
		}
	}
	if b.CommandLine != nil && b.CommandLine.Command != nil {
		r.HasCommandLine = true
		r.Command = *b.CommandLine.Command
		r.Arguments = b.CommandLine.Arguments
	}
	if b.Receive != nil && b.Receive.DesiredStream != nil {
		r.HasReceive = true
		r.CommandID = strings.TrimSpace(b.Receive.DesiredStream.CommandID)
	}
	if b.Signal != nil {
		r.HasSignal = true
		r.CommandID = strings.TrimSpace(b.Signal.CommandID)
		r.SignalCode = strings.TrimSpace(b.Signal.Code)
	}
	if b.Send != nil {
		r.HasSend = true
		for _, s := range b.Send.Streams {
			if s.CommandID != "" {
				r.CommandID = strings.TrimSpace(s.CommandID)
			}
		}
	}
	return nil
}

// commandLine joins the two forms a client may use: the whole line in rsp:Command
// (masterzen/winrm, CDATA) or a program in rsp:Command and its arguments in rsp:Arguments
// (pypsrp, as in the recordings). WinRS joins them with single spaces.
func (r *request) commandLine() string {
	parts := make([]string, 0, 1+len(r.Arguments))
	parts = append(parts, r.Command)
	parts = append(parts, r.Arguments...)
	return strings.Join(parts, " ")
}

// optionBool reads a WinRS boolean option ("TRUE"/"FALSE", any case).
func (r *request) optionBool(name string) (value, present bool) {
	v, ok := r.Options[name]
	if !ok {
		return false, false
	}
	return strings.EqualFold(v, "true"), true
}

var errBadDuration = errors.New("invalid xs:duration")

// parseDuration parses the xs:duration forms WS-Management clients send for OperationTimeout:
// PT60S, PT60.000S, PT1M30S, P0DT0H0M20S. Years and months are refused (no client sends them).
func parseDuration(s string) (time.Duration, error) {
	if len(s) < 3 || s[0] != 'P' {
		return 0, errBadDuration
	}
	s = s[1:]
	var total float64
	inTime := false
	seen := false
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return 0, errBadDuration
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 || i >= len(s) || i > 18 {
			return 0, errBadDuration
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, errBadDuration
		}
		var unit float64
		switch {
		case s[i] == 'D' && !inTime:
			unit = 86400
		case s[i] == 'H' && inTime:
			unit = 3600
		case s[i] == 'M' && inTime:
			unit = 60
		case s[i] == 'S' && inTime:
			unit = 1
		default:
			return 0, errBadDuration
		}
		total += n * unit
		seen = true
		s = s[i+1:]
	}
	if !seen || total > 1e9 {
		return 0, errBadDuration
	}
	return time.Duration(total * float64(time.Second)), nil
}

// formatDuration renders a duration the way Windows does in rsp:IdleTimeOut (PT7200.000S).
func formatDuration(d time.Duration) string {
	return fmt.Sprintf("PT%.3fS", d.Seconds())
}

// esc escapes text for XML character data and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Namespace declarations of Windows' response envelopes, which differ by action
// (copied from the recordings: faults add eventing and enumeration, ReceiveResponse has no
// transfer namespace, DeleteResponse neither transfer nor shell).
const (
	nsDeclS   = ` xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"`
	nsDeclX   = ` xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer"`
	nsDeclEN  = ` xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"`
	nsDeclW   = ` xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"`
	nsDeclRsp = ` xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"`
	nsDeclP   = ` xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"`
)

// envelopeOpen is the s:Envelope start tag of a response with the given action.
func envelopeOpen(lang, action string) string {
	var ns string
	switch action {
	case actionFault:
		ns = nsDeclS + nsDeclX + nsDeclEN + nsDeclW + nsDeclP
	case actionReceiveResponse:
		ns = nsDeclS + nsDeclW + nsDeclRsp + nsDeclP
	case actionDeleteResponse:
		ns = nsDeclS + nsDeclW + nsDeclP
	default:
		ns = nsDeclS + nsDeclX + nsDeclW + nsDeclRsp + nsDeclP
	}
	return `<s:Envelope xml:lang="` + esc(lang) + `"` + ns + `>`
}

// responseHeader is the s:Header of every response: action, a fresh MessageID, the anonymous To,
// and a:RelatesTo echoing the request (left out when the request's MessageID is unknown).
func responseHeader(action, relatesTo string) string {
	var b strings.Builder
	b.WriteString(`<s:Header><a:Action>`)
	b.WriteString(esc(action))
	b.WriteString(`</a:Action><a:MessageID>uuid:`)
	b.WriteString(newID())
	b.WriteString(`</a:MessageID><a:To>` + anonymousAddr + `</a:To>`)
	if relatesTo != "" {
		b.WriteString(`<a:RelatesTo>`)
		b.WriteString(esc(relatesTo))
		b.WriteString(`</a:RelatesTo>`)
	}
	b.WriteString(`</s:Header>`)
	return b.String()
}

// soapResponse assembles a non-fault response envelope around body.
func soapResponse(lang, action, relatesTo, body string) []byte {
	var b strings.Builder
	b.WriteString(envelopeOpen(lang, action))
	b.WriteString(responseHeader(action, relatesTo))
	b.WriteString(body)
	b.WriteString(`</s:Envelope>`)
	return []byte(b.String())
}
