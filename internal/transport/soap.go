package transport

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masterzen/winrm"
)

const nsSOAPEnv = "http://www.w3.org/2003/05/soap-envelope"

// maxDepth bounds the nesting of a response: WinRM envelopes nest about ten
// deep, and the XPath parser used by masterzen/winrm is quadratic in depth.
const maxDepth = 64

// parseFault returns the SOAP fault carried by body, or nil when body is not
// a SOAP envelope with an s:Fault in its s:Body.
func parseFault(body []byte) *Fault {
	f, _ := scanResponse(body)
	return f
}

// scanResponse reads the whole of body as XML. It returns the SOAP fault in
// s:Body if there is one, and an error when body is not well-formed XML or is
// nested deeper than maxDepth.
func scanResponse(body []byte) (*Fault, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	depth := 0
	inBody := false
	var fault *Fault
	seen := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !seen {
				return fault, errors.New("empty response")
			}
			return fault, nil
		}
		if err != nil {
			return fault, fmt.Errorf("malformed response: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			seen = true
			depth++
			if depth > maxDepth {
				return fault, fmt.Errorf("malformed response: nested deeper than %d", maxDepth)
			}
			if depth == 2 && t.Name.Space == nsSOAPEnv && t.Name.Local == "Body" {
				inBody = true
			}
			if inBody && depth == 3 && t.Name.Space == nsSOAPEnv && t.Name.Local == "Fault" && fault == nil {
				var xf xmlFault
				if err := d.DecodeElement(&xf, &t); err != nil {
					return &Fault{Message: "malformed SOAP fault"}, fmt.Errorf("malformed response: %w", err)
				}
				fault = xf.fault()
				depth--
			}
		case xml.EndElement:
			if depth == 2 {
				inBody = false
			}
			depth--
		}
	}
}

type xmlFault struct {
	Code struct {
		Value   string `xml:"Value"`
		Subcode struct {
			Value string `xml:"Value"`
		} `xml:"Subcode"`
	} `xml:"Code"`
	Reason struct {
		Text []textContent `xml:"Text"`
	} `xml:"Reason"`
	Detail struct {
		WSManFault struct {
			Code    string      `xml:"Code,attr"`
			Message textContent `xml:"Message"`
		} `xml:"WSManFault"`
	} `xml:"Detail"`
}

func (x *xmlFault) fault() *Fault {
	f := &Fault{
		Code:      strings.TrimSpace(x.Code.Value),
		Subcode:   strings.TrimSpace(x.Code.Subcode.Value),
		WSManCode: strings.TrimSpace(x.Detail.WSManFault.Code),
		Message:   strings.TrimSpace(string(x.Detail.WSManFault.Message)),
	}
	if f.Message == "" && len(x.Reason.Text) > 0 {
		f.Message = strings.TrimSpace(string(x.Reason.Text[0]))
	}
	f.Message = strings.Join(strings.Fields(f.Message), " ")
	return f
}

// textContent collects all character data below an element, so a WSManFault
// Message with nested provider elements still yields its text.
type textContent string

func (t *textContent) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var b strings.Builder
	for depth := 1; depth > 0; {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if b.Len() < 4096 {
				b.Write(v)
			}
		}
	}
	*t = textContent(b.String())
	return nil
}

// openShellRequest is masterzen/winrm's Create request with an
// rsp:IdleTimeOut of shellIdleTimeout, placed first in rsp:Shell as the
// MS-WSMV schema orders it (before InputStreams). The library builds no such
// element and its DOM cannot insert one before another, so it is added to the
// rendered envelope; TestOpenShellRequestIdleTimeOut checks the result.
func openShellRequest(url string, p *winrm.Parameters) string {
	s := winrm.NewOpenShellRequest(url, p).String()
	idle := fmt.Sprintf("<rsp:IdleTimeOut>PT%dS</rsp:IdleTimeOut>", int(shellIdleTimeout/time.Second))
	return strings.Replace(s, "<rsp:InputStreams>", idle+"<rsp:InputStreams>", 1)
}

// checkCommandLine rejects what cannot travel inside the CDATA section that
// masterzen/winrm wraps the command line in, or that is not valid XML text.
func checkCommandLine(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("command line is empty")
	}
	if !utf8.ValidString(s) {
		return errors.New("command line is not valid UTF-8")
	}
	if strings.Contains(s, "]]>") {
		return errors.New("command line contains \"]]>\", which cannot be sent inside CDATA")
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' {
			return fmt.Errorf("command line contains control character %U", r)
		}
		if r == 0xFFFE || r == 0xFFFF {
			return fmt.Errorf("command line contains non-character %U", r)
		}
	}
	return nil
}

// receiveResult is one Receive response's output.
type receiveResult struct {
	stdout, stderr []byte
	done           bool
	exitCode       int
}

func parseReceive(body []byte) (receiveResult, error) {
	var r receiveResult
	var out, errb bytes.Buffer
	done, code, err := winrm.ParseSlurpOutputErrResponse(string(body), &out, &errb)
	if err != nil {
		return r, fmt.Errorf("parsing Receive response: %w", err)
	}
	r.stdout, r.stderr, r.done, r.exitCode = out.Bytes(), errb.Bytes(), done, code
	return r, nil
}

func parseShellID(body []byte) (string, error) {
	id, err := winrm.ParseOpenShellResponse(string(body))
	if err != nil {
		return "", fmt.Errorf("parsing Create response: %w", err)
	}
	if id = strings.TrimSpace(id); id == "" {
		return "", errors.New("Create response carries no ShellId")
	}
	return id, nil
}

func parseCommandID(body []byte) (string, error) {
	id, err := winrm.ParseExecuteCommandResponse(string(body))
	if err != nil {
		var ee *winrm.ExecuteCommandError
		if errors.As(err, &ee) {
			err = ee.Inner
		}
		return "", fmt.Errorf("parsing Command response: %w", err)
	}
	if id = strings.TrimSpace(id); id == "" {
		return "", errors.New("Command response carries no CommandId")
	}
	return id, nil
}
