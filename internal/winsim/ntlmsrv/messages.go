package ntlmsrv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// NegotiateFlags bits (MS-NLMP 2.2.2.5).
const (
	flagUnicode       uint32 = 1 << 0  // A
	flagOEM           uint32 = 1 << 1  // B
	flagRequestTarget uint32 = 1 << 2  // C
	flagSign          uint32 = 1 << 4  // D
	flagSeal          uint32 = 1 << 5  // E
	flagDatagram      uint32 = 1 << 6  // F
	flagLMKey         uint32 = 1 << 7  // G
	flagNTLM          uint32 = 1 << 9  // H
	flagAnonymous     uint32 = 1 << 11 // J
	flagAlwaysSign    uint32 = 1 << 15 // M
	flagTargetDomain  uint32 = 1 << 16 // N
	flagTargetServer  uint32 = 1 << 17 // O
	flagESS           uint32 = 1 << 19 // P: extended session security
	flagIdentify      uint32 = 1 << 20 // Q
	flagNonNTKey      uint32 = 1 << 22 // R
	flagTargetInfo    uint32 = 1 << 23 // S
	flagVersion       uint32 = 1 << 25 // T
	flag128           uint32 = 1 << 29 // U
	flagKeyExch       uint32 = 1 << 30 // V
	flag56            uint32 = 1 << 31 // W
)

// echoedFlags are granted in the CHALLENGE only when the client asked for them.
// KEY_EXCH in particular must never be volunteered: the Azure client refuses it.
const echoedFlags = flagSign | flagSeal | flagAlwaysSign | flagESS | flag128 | flag56 | flagKeyExch | flagVersion

// alwaysFlags are set in every CHALLENGE, as Windows does.
const alwaysFlags = flagNTLM | flagRequestTarget | flagTargetServer | flagTargetInfo

// AV_PAIR ids (MS-NLMP 2.2.2.1).
const (
	avEOL             uint16 = 0
	avNbComputerName  uint16 = 1
	avNbDomainName    uint16 = 2
	avDNSComputerName uint16 = 3
	avDNSDomainName   uint16 = 4
	avDNSTreeName     uint16 = 5
	avFlags           uint16 = 6
	avTimestamp       uint16 = 7

	avFlagMICProvided uint32 = 0x2
)

const (
	msgNegotiate    uint32 = 1
	msgChallenge    uint32 = 2
	msgAuthenticate uint32 = 3
)

var signature = []byte("NTLMSSP\x00")

// serverVersion is the VERSION structure sent when the client asks for it:
// Windows Server 2019 (10.0.17763), NTLMSSP_REVISION_W2K3.
var serverVersion = []byte{10, 0, 0x1b, 0x45, 0, 0, 0, 0x0f}

// Fixed-size parts of the messages.
const (
	negotiateMinLen    = 16 // signature, type, flags: older clients omit the rest
	challengeHeaderLen = 56 // through the VERSION field
	authenticateMinLen = 64 // through NegotiateFlags
	micOffset          = 72 // after the VERSION field
	micLen             = 16
)

var (
	errNotNTLMSSP = errors.New("ntlmsrv: not an NTLMSSP message")
	errTruncated  = errors.New("ntlmsrv: truncated NTLMSSP message")
)

// messageType validates the NTLMSSP header and returns the message type.
func messageType(b []byte) (uint32, error) {
	if len(b) < 12 || !bytes.Equal(b[:8], signature) {
		// 0x60 starts a GSS-API InitialContextToken, 0xa1 a SPNEGO NegTokenResp.
		if len(b) > 0 && (b[0] == 0x60 || b[0] == 0xa1) {
			return 0, errors.New("ntlmsrv: SPNEGO-wrapped tokens are not supported, send raw NTLMSSP")
		}
		return 0, errNotNTLMSSP
	}
	return binary.LittleEndian.Uint32(b[8:12]), nil
}

// field reads a (Len, MaxLen, Offset) payload descriptor at pos and returns the
// bytes it points to, checking every bound.
func field(msg []byte, pos int) ([]byte, error) {
	if pos < 0 || pos+8 > len(msg) {
		return nil, errTruncated
	}
	n := int(binary.LittleEndian.Uint16(msg[pos:]))
	off := uint64(binary.LittleEndian.Uint32(msg[pos+4:]))
	if n == 0 {
		return nil, nil
	}
	if off+uint64(n) > uint64(len(msg)) {
		return nil, fmt.Errorf("ntlmsrv: field at %d points outside the message (offset %d, length %d, message %d)", pos, off, n, len(msg))
	}
	return msg[off : off+uint64(n)], nil
}

// putField writes a payload descriptor at pos for n bytes at offset off.
func putField(msg []byte, pos, n, off int) {
	binary.LittleEndian.PutUint16(msg[pos:], uint16(n))
	binary.LittleEndian.PutUint16(msg[pos+2:], uint16(n))
	binary.LittleEndian.PutUint32(msg[pos+4:], uint32(off))
}

// toUTF16 encodes s as UTF-16LE without a BOM.
func toUTF16(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// decodeString decodes a string field as UTF-16LE or, without UNICODE, as OEM
// bytes (taken as Latin-1, the best guess without a code page).
func decodeString(b []byte, unicode bool) (string, error) {
	if !unicode {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	}
	if len(b)%2 != 0 {
		return "", errors.New("ntlmsrv: odd-length UTF-16 string")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// avPair appends one AV_PAIR.
func avPair(b []byte, id uint16, v []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, id)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// targetInfo builds the TargetInfo of the CHALLENGE. A standalone host's NetBIOS and
// DNS domain and computer names are all its own name; a domain member's are its
// domain's names, its own name and its DNS name in the domain (its NetBIOS name in
// lower case, as the simulator names hosts), and the domain is the forest's root
// (MsvAvDnsTreeName).
func (s *Server) targetInfo(filetime uint64) []byte {
	n := toUTF16(s.TargetName)
	var b []byte
	if s.joined() {
		b = avPair(b, avNbDomainName, toUTF16(s.Domain))
		b = avPair(b, avNbComputerName, n)
		b = avPair(b, avDNSDomainName, toUTF16(s.DNSDomain))
		b = avPair(b, avDNSComputerName, toUTF16(strings.ToLower(s.TargetName)+"."+s.DNSDomain))
		b = avPair(b, avDNSTreeName, toUTF16(s.DNSDomain))
	} else {
		b = avPair(b, avNbDomainName, n)
		b = avPair(b, avNbComputerName, n)
		b = avPair(b, avDNSDomainName, n)
		b = avPair(b, avDNSComputerName, n)
	}
	b = avPair(b, avTimestamp, binary.LittleEndian.AppendUint64(nil, filetime))
	return avPair(b, avEOL, nil)
}

// findAV returns the value of the first AV_PAIR with the given id in an
// AV_PAIR list, bounds-checked; ok is false when absent or malformed.
func findAV(list []byte, id uint16) (v []byte, ok bool) {
	for len(list) >= 4 {
		aid := binary.LittleEndian.Uint16(list)
		n := int(binary.LittleEndian.Uint16(list[2:]))
		if aid == avEOL {
			return nil, false
		}
		if 4+n > len(list) {
			return nil, false
		}
		if aid == id {
			return list[4 : 4+n], true
		}
		list = list[4+n:]
	}
	return nil, false
}

// challengeFlags computes the flags of the CHALLENGE from the client's NEGOTIATE flags.
func challengeFlags(client uint32) uint32 {
	f := alwaysFlags | client&echoedFlags
	if client&flagUnicode != 0 {
		f |= flagUnicode
	} else {
		f |= flagOEM
	}
	return f
}

// buildChallenge marshals a CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2).
func buildChallenge(flags uint32, serverChallenge [8]byte, targetName string, info []byte) []byte {
	var name []byte
	if flags&flagUnicode != 0 {
		name = toUTF16(targetName)
	} else {
		name = []byte(targetName)
	}
	msg := make([]byte, challengeHeaderLen, challengeHeaderLen+len(name)+len(info))
	copy(msg, signature)
	binary.LittleEndian.PutUint32(msg[8:], msgChallenge)
	putField(msg, 12, len(name), challengeHeaderLen)
	binary.LittleEndian.PutUint32(msg[20:], flags)
	copy(msg[24:32], serverChallenge[:])
	// msg[32:40] is Reserved.
	putField(msg, 40, len(info), challengeHeaderLen+len(name))
	if flags&flagVersion != 0 {
		copy(msg[48:56], serverVersion)
	}
	msg = append(msg, name...)
	return append(msg, info...)
}

// authenticateMessage holds the parts of an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3)
// the server needs.
type authenticateMessage struct {
	raw                 []byte
	flags               uint32
	lmResponse          []byte
	ntResponse          []byte
	domain, user        string
	encryptedSessionKey []byte
}

func parseAuthenticate(msg []byte) (*authenticateMessage, error) {
	if len(msg) < authenticateMinLen {
		return nil, errTruncated
	}
	m := &authenticateMessage{raw: msg, flags: binary.LittleEndian.Uint32(msg[60:])}
	var err error
	if m.lmResponse, err = field(msg, 12); err != nil {
		return nil, err
	}
	if m.ntResponse, err = field(msg, 20); err != nil {
		return nil, err
	}
	domain, err := field(msg, 28)
	if err != nil {
		return nil, err
	}
	user, err := field(msg, 36)
	if err != nil {
		return nil, err
	}
	if _, err = field(msg, 44); err != nil { // Workstation: checked, unused
		return nil, err
	}
	if m.encryptedSessionKey, err = field(msg, 52); err != nil {
		return nil, err
	}
	unicode := m.flags&flagUnicode != 0
	if m.domain, err = decodeString(domain, unicode); err != nil {
		return nil, err
	}
	if m.user, err = decodeString(user, unicode); err != nil {
		return nil, err
	}
	return m, nil
}
