package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The MS-WSMV 2.2.9.1 framing of a sealed message. The protocol name is
// the security package's: SPNEGO for NTLM, Kerberos for Kerberos.
const (
	encProtocol         = "application/HTTP-SPNEGO-session-encrypted"
	encProtocolKerberos = "application/HTTP-Kerberos-session-encrypted"
	encBoundary         = "--Encrypted Boundary"
)

// encMediaType is the Content-Type of a body sealed under protocol.
func encMediaType(protocol string) string {
	return `multipart/encrypted;protocol="` + protocol + `";boundary="Encrypted Boundary"`
}

// sealer seals and opens the message bodies of one authenticated session
// with its keys, checking the signature and sequence number of what it
// opens. The NTLM and Kerberos sessions each have one; the framing and the
// rule about what an answer must be (see openSealed) are shared.
type sealer interface {
	// protocol is the framing's protocol name (encProtocol...).
	protocol() string
	// wrap seals body and returns the signature (the security trailer
	// that travels before the sealed data) and the sealed data.
	wrap(body []byte) (sig, sealed []byte, err error)
	// unwrap verifies and unseals what wrap gave on the other side.
	unwrap(sig, sealed []byte) ([]byte, error)
	// sigLen reports whether n is a valid signature length, checked
	// before the framing is trusted.
	sigLen(n int) bool
}

// ntlmSealer seals with an NTLM session's keys (MS-NLMP 3.4).
type ntlmSealer struct{ s *session }

func (ntlmSealer) protocol() string { return encProtocol }

func (x ntlmSealer) wrap(body []byte) ([]byte, []byte, error) {
	sealed, sig, err := x.s.ntlm.SecuritySession().Wrap(body)
	return sig, sealed, err
}

func (x ntlmSealer) unwrap(sig, sealed []byte) ([]byte, error) {
	return x.s.ntlm.SecuritySession().Unwrap(sealed, sig)
}

func (ntlmSealer) sigLen(n int) bool { return n == 16 }

// postOn sends one SOAP envelope with client, on a session's connection:
// sealed with sec and its answer opened with it (see openSealed), or, when
// sec is nil, plain inside TLS, a 401 coming back as a bare status with no
// body for the wire to handle as a sealed session's 401 is.
func postOn(ctx context.Context, client *http.Client, url string, body []byte, sec sealer) (int, []byte, error) {
	ct := soapContentType
	if sec != nil {
		var err error
		if body, err = frame(sec, body); err != nil {
			return 0, nil, err
		}
		ct = encMediaType(sec.protocol())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", ct)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	b, err := readBody(resp)
	if err != nil {
		return 0, nil, err
	}
	if sec == nil {
		if resp.StatusCode == http.StatusUnauthorized {
			return resp.StatusCode, nil, nil
		}
		return resp.StatusCode, b, nil
	}
	return openSealed(sec, resp.StatusCode, resp.Header.Get("Content-Type"), b)
}

// openSealed returns the body of an answer on a session sealed with sec,
// unsealed and verified. Once a session seals its requests, the host seals every answer
// that carries WinRM content, faults included, with the session's keys; so an
// answer that is not sealed under the session's protocol, or whose signature
// or sequence number does not verify (bodgit/ntlmssp's Unwrap checks both,
// as the Kerberos sealer does, and the session is closed after a failure:
// an NTLM session's RC4 state is spent), is an *IntegrityError.
//
// Only answers without WinRM content may come plain, and then only their
// status is used, as an error, never their body:
//   - 401 with an empty body: WinRM's own refusal (it sends no body with it);
//     the caller handles it as before;
//   - any other non-200 status with an empty body, and 502, 503 and 504 with
//     any body: what HTTP.sys (which answers 503 itself, with an HTML page,
//     when the WinRM service cannot take the request) or a proxy send without
//     the session. They become an *HTTPError marked unprotected, which is
//     retried as a request that may have been acted on (see classify): an
//     unprotected "not processed" cannot be believed.
//
// A 200 is never empty in WinRM (Delete answers an envelope with an empty
// s:Body), so a plain or empty 200 is refused like any other plain answer.
func openSealed(sec sealer, status int, contentType string, b []byte) (int, []byte, error) {
	scheme := "NTLM"
	if sec.protocol() == encProtocolKerberos {
		scheme = "Kerberos"
	}
	if strings.Contains(strings.ToLower(contentType), strings.ToLower(sec.protocol())) {
		plain, err := unframe(sec, b)
		if err != nil {
			return 0, nil, &IntegrityError{HTTPStatus: status, Scheme: scheme, Reason: "sealed body failed verification: " + err.Error()}
		}
		return status, plain, nil
	}
	switch {
	case status == http.StatusUnauthorized && len(b) == 0:
		return status, nil, nil
	case status != http.StatusOK && (len(b) == 0 || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout):
		return 0, nil, &HTTPError{StatusCode: status, Body: summarizeBody(b), unprotected: true}
	case len(b) == 0:
		return 0, nil, &IntegrityError{HTTPStatus: status, Scheme: scheme, Reason: "empty body"}
	}
	return 0, nil, &IntegrityError{HTTPStatus: status, Scheme: scheme, Reason: "plain text"}
}

// frame seals body with sec in the MS-WSMV 2.2.9.1 framing.
func frame(sec sealer, body []byte) ([]byte, error) {
	sig, sealed, err := sec.wrap(body)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(encBoundary + "\r\n")
	b.WriteString("\tContent-Type: " + sec.protocol() + "\r\n")
	b.WriteString("\tOriginalContent: type=" + soapContentType + ";Length=" + strconv.Itoa(len(body)) + "\r\n")
	b.WriteString(encBoundary + "\r\n")
	b.WriteString("\tContent-Type: application/octet-stream\r\n")
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(len(sig)))
	b.Write(l[:])
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(encBoundary + "--\r\n")
	return b.Bytes(), nil
}

// unframe reverses frame for a response, checking every length it reads.
func unframe(sec sealer, b []byte) ([]byte, error) {
	want, sig, sealed, err := splitSealed(b, sec.sigLen)
	if err != nil {
		return nil, err
	}
	plain, err := sec.unwrap(sig, sealed)
	if err != nil {
		return nil, err
	}
	if len(plain) != want {
		return nil, fmt.Errorf("decrypted length %d does not match the declared %d", len(plain), want)
	}
	return plain, nil
}

// splitSealed reads the framing of a sealed response: the plain body's
// declared length, the signature and the sealed body. The framing is not
// covered by the signature, so every length it gives is checked before use.
func splitSealed(b []byte, sigLenOK func(int) bool) (want int, sig, sealed []byte, err error) {
	const octet = "Content-Type: application/octet-stream\r\n"
	i := bytes.Index(b, []byte("Length="))
	if i < 0 {
		return 0, nil, nil, errors.New("no OriginalContent length")
	}
	j := i + len("Length=")
	k := j
	for k < len(b) && b[k] >= '0' && b[k] <= '9' {
		k++
	}
	want, err = strconv.Atoi(string(b[j:k]))
	if err != nil || want < 0 {
		return 0, nil, nil, errors.New("bad OriginalContent length")
	}
	o := bytes.Index(b[k:], []byte(octet))
	if o < 0 {
		return 0, nil, nil, errors.New("no octet-stream part")
	}
	data := b[k+o+len(octet):]
	end := bytes.LastIndex(data, []byte(encBoundary+"--"))
	if end < 0 {
		return 0, nil, nil, errors.New("no closing boundary")
	}
	data = data[:end]
	if len(data) < 4 {
		return 0, nil, nil, errors.New("sealed part too short")
	}
	sigLen := int(binary.LittleEndian.Uint32(data[:4]))
	if !sigLenOK(sigLen) || len(data) < 4+sigLen {
		return 0, nil, nil, fmt.Errorf("bad signature length %d", sigLen)
	}
	return want, data[4 : 4+sigLen], data[4+sigLen:], nil
}
