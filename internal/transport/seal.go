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

// The MS-WSMV 2.2.9.1 framing of a sealed message.
const (
	encProtocol  = "application/HTTP-SPNEGO-session-encrypted"
	encBoundary  = "--Encrypted Boundary"
	encMediaType = `multipart/encrypted;protocol="` + encProtocol + `";boundary="Encrypted Boundary"`
)

// post sends one SOAP envelope on the session's connection. A sealing
// session wraps it and opens the answer (see open); otherwise it travels
// plain inside TLS, and a 401 comes back as a bare status, with no body, for
// ntlmWire.post to handle as a sealed session's 401 is.
func (s *ntlmSession) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	ct := soapContentType
	if s.seal {
		var err error
		if body, err = s.wrap(body); err != nil {
			return 0, nil, err
		}
		ct = encMediaType
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", ct)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	b, err := readBody(resp)
	if err != nil {
		return 0, nil, err
	}
	if !s.seal {
		if resp.StatusCode == http.StatusUnauthorized {
			return resp.StatusCode, nil, nil
		}
		return resp.StatusCode, b, nil
	}
	return s.open(resp.StatusCode, resp.Header.Get("Content-Type"), b)
}

// open returns the body of an answer on a sealed session, unsealed and
// verified. Once a session seals its requests, the host seals every answer
// that carries WinRM content, faults included, with the session's keys; so an
// answer that is not sealed, or whose signature or sequence number does not
// verify (bodgit/ntlmssp's Unwrap checks both, and the session is closed
// after a failure: its RC4 state is spent), is an *IntegrityError.
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
func (s *ntlmSession) open(status int, contentType string, b []byte) (int, []byte, error) {
	if strings.Contains(strings.ToLower(contentType), strings.ToLower(encProtocol)) {
		plain, err := s.unwrap(b)
		if err != nil {
			return 0, nil, &IntegrityError{HTTPStatus: status, Reason: "sealed body failed verification: " + err.Error()}
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
		return 0, nil, &IntegrityError{HTTPStatus: status, Reason: "empty body"}
	}
	return 0, nil, &IntegrityError{HTTPStatus: status, Reason: "plain text"}
}

// wrap seals body in the MS-WSMV 2.2.9.1 framing.
func (s *ntlmSession) wrap(body []byte) ([]byte, error) {
	sealed, sig, err := s.ntlm.SecuritySession().Wrap(body)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(encBoundary + "\r\n")
	b.WriteString("\tContent-Type: " + encProtocol + "\r\n")
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

// unwrap reverses wrap for a response, checking every length it reads.
func (s *ntlmSession) unwrap(b []byte) ([]byte, error) {
	want, sig, sealed, err := splitSealed(b)
	if err != nil {
		return nil, err
	}
	plain, err := s.ntlm.SecuritySession().Unwrap(sealed, sig)
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
func splitSealed(b []byte) (want int, sig, sealed []byte, err error) {
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
	if sigLen != 16 || len(data) < 4+sigLen {
		return 0, nil, nil, fmt.Errorf("bad signature length %d", sigLen)
	}
	return want, data[4 : 4+sigLen], data[4+sigLen:], nil
}
