package ntlmsrv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
)

const (
	// encryptedProtocol is the protocol parameter of an NTLM-sealed WinRM body (MS-WSMV 2.2.9.1).
	encryptedProtocol = "application/HTTP-SPNEGO-session-encrypted"
	encryptedBoundary = "Encrypted Boundary"
	// originalContentType is announced in the OriginalContent header of responses.
	originalContentType = "application/soap+xml;charset=UTF-8"
)

// EncryptedContentType is the Content-Type of the bodies EncryptBody produces,
// byte for byte what Windows sends (bodgit/ntlmssp/http compares it exactly).
const EncryptedContentType = `multipart/encrypted;protocol="` + encryptedProtocol + `";boundary="` + encryptedBoundary + `"`

var (
	errNotSealing = errors.New("ntlmsrv: connection is not authenticated with NTLM sealing")
	errFraming    = errors.New("ntlmsrv: malformed encrypted body")
)

// IsEncrypted reports whether a request Content-Type announces an NTLM-sealed
// WinRM body (multipart/encrypted or multipart/x-multi-encrypted with
// protocol="application/HTTP-SPNEGO-session-encrypted").
func IsEncrypted(contentType string) bool {
	_, err := encryptedBoundaryOf(contentType)
	return err == nil
}

func encryptedBoundaryOf(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("ntlmsrv: bad Content-Type %q: %w", contentType, err)
	}
	if mt != "multipart/encrypted" && mt != "multipart/x-multi-encrypted" {
		return "", fmt.Errorf("ntlmsrv: Content-Type %q is not multipart/encrypted", mt)
	}
	if !strings.EqualFold(params["protocol"], encryptedProtocol) {
		return "", fmt.Errorf("ntlmsrv: unsupported encryption protocol %q", params["protocol"])
	}
	if b := params["boundary"]; b != "" {
		return b, nil
	}
	return encryptedBoundary, nil
}

// encryptedPart is one sealed message of an encrypted body.
type encryptedPart struct {
	signature, sealed []byte
}

// DecryptBody unwraps a `multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted"` request body
// (the contentType header value is given) into the plain SOAP envelope, verifying the signature and sequence number.
// A body that fails verification is rejected without consuming a sequence number,
// so the connection stays usable.
func (c *Conn) DecryptBody(contentType string, body []byte) ([]byte, error) {
	boundary, err := encryptedBoundaryOf(contentType)
	if err != nil {
		return nil, err
	}
	parts, err := splitEncrypted(body, boundary)
	if err != nil {
		return nil, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.st.sess
	if c.st.phase != phaseAuthenticated || s == nil || c.st.flags&flagSeal == 0 {
		return nil, errNotSealing
	}
	handle, seq := *s.in.handle, s.in.seq // rc4.Cipher holds no pointers: a value copy is a snapshot
	var plain []byte
	for _, p := range parts {
		pt, err := s.unseal(p.sealed, p.signature)
		if err != nil {
			*s.in.handle, s.in.seq = handle, seq
			return nil, err
		}
		plain = append(plain, pt...)
	}
	return plain, nil
}

// EncryptBody seals a plain SOAP response the same way, for the response to an encrypted request.
// contentType is EncryptedContentType.
func (c *Conn) EncryptBody(plain []byte) (contentType string, body []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.st.sess
	if c.st.phase != phaseAuthenticated || s == nil || c.st.flags&flagSeal == 0 {
		return "", nil, errNotSealing
	}
	sealed, sig := s.seal(plain)

	delim := "--" + encryptedBoundary + "\r\n"
	var b bytes.Buffer
	b.Grow(len(plain) + 256)
	b.WriteString(delim)
	b.WriteString("\tContent-Type: " + encryptedProtocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=%s;Length=%d\r\n", originalContentType, len(plain))
	b.WriteString(delim)
	b.WriteString("\tContent-Type: application/octet-stream\r\n")
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(sig))))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString("--" + encryptedBoundary + "--\r\n")
	return EncryptedContentType, b.Bytes(), nil
}

// splitEncrypted parses the MS-WSMV framing:
//
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//	\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\r\n
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/octet-stream\r\n
//	<uint32 signature length><signature><N sealed bytes>--Encrypted Boundary--\r\n
//
// The sealed part is delimited by the declared length where it can be (RC4 keeps
// lengths, and the ciphertext may contain the boundary), see sealedLen. The pair of parts
// may repeat (multipart/x-multi-encrypted). Leading tabs, a blank line after the
// headers and a CRLF before a boundary are tolerated.
func splitEncrypted(body []byte, boundary string) ([]encryptedPart, error) {
	delim := []byte("--" + boundary)
	rest := body
	var parts []encryptedPart
	for {
		var ok bool
		if rest, ok = bytes.CutPrefix(rest, delim); !ok {
			return nil, fmt.Errorf("%w: expected boundary %q", errFraming, delim)
		}
		if bytes.HasPrefix(rest, []byte("--")) {
			break
		}
		if rest, ok = cutEOL(rest); !ok {
			return nil, fmt.Errorf("%w: no line break after boundary", errFraming)
		}
		length, after, err := readSealedHeaders(rest, delim)
		if err != nil {
			return nil, err
		}
		part, after, err := readSealedPayload(after[len(delim):], delim, length)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
		rest = after
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no encrypted part", errFraming)
	}
	return parts, nil
}

// readSealedHeaders reads the first part of a pair, the headers describing the sealed message, up
// to the next boundary, and returns the declared length of the original message.
func readSealedHeaders(rest, delim []byte) (length int, after []byte, err error) {
	length = -1
	sawProtocol := false
	for !bytes.HasPrefix(rest, delim) {
		var line []byte
		var ok bool
		if line, rest, ok = cutLine(rest); !ok {
			return 0, nil, fmt.Errorf("%w: truncated header", errFraming)
		}
		name, value, isHeader := headerLine(line)
		switch {
		case !isHeader:
			if len(bytes.TrimSpace(line)) != 0 {
				return 0, nil, fmt.Errorf("%w: bad header line %q", errFraming, line)
			}
		case strings.EqualFold(name, "Content-Type"):
			if !strings.EqualFold(value, encryptedProtocol) {
				return 0, nil, fmt.Errorf("%w: part Content-Type %q", errFraming, value)
			}
			sawProtocol = true
		case strings.EqualFold(name, "OriginalContent"):
			if length, ok = originalLength(value); !ok {
				return 0, nil, fmt.Errorf("%w: no Length in OriginalContent %q", errFraming, value)
			}
		}
	}
	if !sawProtocol || length < 0 {
		return 0, nil, fmt.Errorf("%w: missing Content-Type or OriginalContent header", errFraming)
	}
	return length, rest, nil
}

// readSealedPayload reads the second part of a pair, after its boundary: one Content-Type header,
// then the signature and the sealed bytes of the declared length, up to the next boundary.
func readSealedPayload(rest, delim []byte, length int) (part encryptedPart, after []byte, err error) {
	var ok bool
	if rest, ok = cutEOL(rest); !ok {
		return part, nil, fmt.Errorf("%w: no line break after boundary", errFraming)
	}
	var line []byte
	if line, rest, ok = cutLine(rest); !ok {
		return part, nil, fmt.Errorf("%w: truncated header", errFraming)
	}
	if name, value, isHeader := headerLine(line); !isHeader || !strings.EqualFold(name, "Content-Type") ||
		!strings.EqualFold(value, "application/octet-stream") {
		return part, nil, fmt.Errorf("%w: expected octet-stream part, got %q", errFraming, line)
	}
	rest, _ = bytes.CutPrefix(rest, []byte("\r\n"))
	if len(rest) < 4 {
		return part, nil, fmt.Errorf("%w: truncated payload", errFraming)
	}
	sigLen := binary.LittleEndian.Uint32(rest)
	if sigLen != signatureLen {
		return part, nil, fmt.Errorf("%w: signature length %d, want %d", errFraming, sigLen, signatureLen)
	}
	rest = rest[4:]
	if len(rest) < signatureLen {
		return part, nil, fmt.Errorf("%w: truncated signature", errFraming)
	}
	sig := rest[:signatureLen]
	rest = rest[signatureLen:]
	n := sealedLen(rest, delim, length)
	if n < 0 {
		return part, nil, fmt.Errorf("%w: no boundary after the sealed data (declared Length %d)", errFraming, length)
	}
	part = encryptedPart{signature: sig, sealed: rest[:n]}
	rest, _ = bytes.CutPrefix(rest[n:], []byte("\r\n"))
	return part, rest, nil
}

// cutEOL removes a leading CRLF (or bare LF).
func cutEOL(b []byte) ([]byte, bool) {
	if r, ok := bytes.CutPrefix(b, []byte("\r\n")); ok {
		return r, true
	}
	return bytes.CutPrefix(b, []byte("\n"))
}

// cutLine splits off one line, without its CRLF or LF.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, b, false
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), b[i+1:], true
}

// headerLine parses "\tName: value", leading whitespace allowed.
func headerLine(line []byte) (name, value string, ok bool) {
	n, v, found := strings.Cut(strings.TrimLeft(string(line), " \t"), ":")
	n = strings.TrimSpace(n)
	if !found || n == "" || strings.ContainsAny(n, " \t") {
		return "", "", false
	}
	return n, strings.TrimSpace(v), true
}

// originalLength extracts Length from "type=application/soap+xml;charset=UTF-8;Length=1234".
func originalLength(v string) (int, bool) {
	for p := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Length") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// sealedLen returns the length of the sealed data at the start of rest, which
// must be followed by the boundary delim (a CRLF before it is allowed), or -1.
// Windows, pywinrm and masterzen/winrm declare the plaintext length in
// OriginalContent; bodgit/ntlmssp/http declares the length of the whole payload
// (4 + 16 + sealed). Both are tried before searching for the boundary.
func sealedLen(rest, delim []byte, declared int) int {
	endsAt := func(n int) bool {
		if n < 0 || n > len(rest) {
			return false
		}
		tail, _ := bytes.CutPrefix(rest[n:], []byte("\r\n"))
		return bytes.HasPrefix(tail, delim)
	}
	for _, n := range []int{declared, declared - 4 - signatureLen} {
		if endsAt(n) {
			return n
		}
	}
	n := bytes.Index(rest, delim)
	if n >= 2 && bytes.Equal(rest[n-2:n], []byte("\r\n")) {
		n -= 2
	}
	return n
}
