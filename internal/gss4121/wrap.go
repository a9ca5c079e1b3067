// Package gss4121 seals and unseals messages with the Kerberos GSS-API mechanism's per-message
// tokens of RFC 4121 (section 4.2.6.2, Wrap tokens with confidentiality), as Windows does for
// WinRM's Kerberos message encryption. gokrb5 v8 builds and checks only unsealed (signed) wrap
// tokens; this package does the sealed ones on gokrb5's crypto.
//
// A Context is one side of an established security context: its key (the acceptor's subkey when
// the acceptor chose one in its AP-REP, else the initiator's subkey or the ticket's session key),
// which side it is, and the sequence numbers each side starts at.
package gss4121

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Key usages of RFC 4121 section 2.
const (
	KeyUsageAcceptorSeal  = 22
	KeyUsageAcceptorSign  = 23
	KeyUsageInitiatorSeal = 24
	KeyUsageInitiatorSign = 25
)

// Flags of a token (RFC 4121 section 4.2.2).
const (
	FlagSentByAcceptor = 0x01
	FlagSealed         = 0x02
	FlagAcceptorSubkey = 0x04
)

// HeaderLen is the length of a token's header (RFC 4121 section 4.2.6.2).
const HeaderLen = 16

var (
	// ErrToken is returned, wrapped, for a token that is not a sealed wrap token of the peer's.
	ErrToken = errors.New("gss4121: bad wrap token")
	// ErrIntegrity is returned, wrapped, for a token whose checksum or embedded header does not
	// match: it was altered, or sealed with another key.
	ErrIntegrity = errors.New("gss4121: wrap token fails its integrity check")
	// ErrSequence is returned, wrapped, for a token that is not the next one expected: a replay,
	// or one lost or reordered.
	ErrSequence = errors.New("gss4121: wrap token out of sequence")
)

// Context seals messages to the peer and unseals the peer's. It is safe for concurrent use;
// messages are numbered in the order Wrap and Unwrap are called.
type Context struct {
	key            types.EncryptionKey
	et             etype.EType
	acceptor       bool
	acceptorSubkey bool

	mu      sync.Mutex
	sendSeq uint64
	recvSeq uint64
}

// Config describes an established security context, from one side's point of view.
type Config struct {
	// Key protects the messages: the acceptor's subkey when AcceptorSubkey is set, else the
	// initiator's subkey (from its authenticator) when it sent one, else the ticket's session key.
	Key types.EncryptionKey
	// Acceptor is set on the acceptor's (the server's) side.
	Acceptor bool
	// AcceptorSubkey says Key is a subkey the acceptor asserted in its AP-REP: tokens of both
	// sides then carry the AcceptorSubkey flag.
	AcceptorSubkey bool
	// SendSeq is the sequence number of this side's first message, RecvSeq the peer's: the
	// initiator's is the seq-number of its authenticator, the acceptor's that of its AP-REP.
	SendSeq, RecvSeq uint64
}

// New returns a Context for cfg. The key's encryption type must be one of the AES ones of RFC 3962
// (what Windows domains and MIT use by default) or aes128-cts-hmac-sha256-128 of RFC 8009.
func New(cfg Config) (*Context, error) {
	switch cfg.Key.KeyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA256_128:
	default:
		// RC4 and DES use RFC 1964's tokens, which AES-era domains do not; gokrb5 v8 has
		// aes256-cts-hmac-sha384-192's key size wrong (24 bytes, not 32).
		return nil, fmt.Errorf("gss4121: encryption type %d has no RFC 4121 wrap tokens here; use aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96 or aes128-cts-hmac-sha256-128", cfg.Key.KeyType)
	}
	et, err := crypto.GetEtype(cfg.Key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("gss4121: %w", err)
	}
	if len(cfg.Key.KeyValue) != et.GetKeyByteSize() {
		return nil, fmt.Errorf("gss4121: key of %d bytes for encryption type %d, want %d", len(cfg.Key.KeyValue), cfg.Key.KeyType, et.GetKeyByteSize())
	}
	return &Context{key: cfg.Key, et: et, acceptor: cfg.Acceptor, acceptorSubkey: cfg.AcceptorSubkey,
		sendSeq: cfg.SendSeq, recvSeq: cfg.RecvSeq}, nil
}

// checksumLen is the length of the integrity checksum the encryption type appends.
func (c *Context) checksumLen() int { return c.et.GetHMACBitLength() / 8 }

// RRC is the right rotation count of the tokens Wrap makes: the encrypted copy of the header and
// the checksum, the token's trailer, rotated to its front so that the encrypted data comes last.
// Windows sends 28 for AES with SHA-1 (RFC 4121 section 4.2.5; MS-KILE 3.4.5.4.1).
func (c *Context) RRC() int { return HeaderLen + c.checksumLen() }

// WinRMHeaderLen is the length of the header part of Wrap's tokens in WinRM's framing: the token
// header, the rotated trailer and the encrypted confounder; the rest is as long as the message.
func (c *Context) WinRMHeaderLen() int { return HeaderLen + c.RRC() + c.et.GetConfounderByteSize() }

func (c *Context) sealUsages() (send, recv uint32) {
	if c.acceptor {
		return KeyUsageAcceptorSeal, KeyUsageInitiatorSeal
	}
	return KeyUsageInitiatorSeal, KeyUsageAcceptorSeal
}

// header builds a token header with the given fields.
func header(flags byte, ec, rrc uint16, seq uint64) []byte {
	h := make([]byte, HeaderLen)
	h[0], h[1], h[2], h[3] = 0x05, 0x04, flags, 0xff
	binary.BigEndian.PutUint16(h[4:], ec)
	binary.BigEndian.PutUint16(h[6:], rrc)
	binary.BigEndian.PutUint64(h[8:], seq)
	return h
}

// flags are the flags of the tokens this side sends.
func (c *Context) flags() byte {
	f := byte(FlagSealed)
	if c.acceptor {
		f |= FlagSentByAcceptor
	}
	if c.acceptorSubkey {
		f |= FlagAcceptorSubkey
	}
	return f
}

// Wrap seals plain into a wrap token: the header, then Encrypt(plain | header) rotated right by
// RRC, with EC 0 (AES needs no padding). Each call takes the next sequence number.
func (c *Context) Wrap(plain []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	send, _ := c.sealUsages()
	// The header inside the encryption has RRC 0 (RFC 4121 section 4.2.5).
	inner := header(c.flags(), 0, 0, c.sendSeq)
	_, ct, err := c.et.EncryptMessage(c.key.KeyValue, append(append(make([]byte, 0, len(plain)+HeaderLen), plain...), inner...), send)
	if err != nil {
		return nil, fmt.Errorf("gss4121: sealing: %w", err)
	}
	rrc := c.RRC()
	tok := header(c.flags(), 0, uint16(rrc), c.sendSeq)
	tok = append(tok, rotateRight(ct, rrc)...)
	c.sendSeq++
	return tok, nil
}

// Unwrap checks and opens a wrap token of the peer's, and returns the message. The token must be
// sealed, sent by the peer, under this context's key, and the next in the peer's sequence; a
// token refused leaves the context as it was, so the next good one is still accepted.
func (c *Context) Unwrap(tok []byte) ([]byte, error) {
	if len(tok) < HeaderLen {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a header", ErrToken, len(tok))
	}
	h := tok[:HeaderLen]
	if h[0] != 0x05 || h[1] != 0x04 || h[3] != 0xff {
		return nil, fmt.Errorf("%w: token id %x, filler %x (want 0504, ff)", ErrToken, h[:2], h[3])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkFlags(h[2]); err != nil {
		return nil, err
	}
	ec := int(binary.BigEndian.Uint16(h[4:]))
	rrc := int(binary.BigEndian.Uint16(h[6:]))
	seq := binary.BigEndian.Uint64(h[8:])
	body := tok[HeaderLen:]
	if len(body) < c.et.GetConfounderByteSize()+ec+HeaderLen+c.checksumLen() {
		return nil, fmt.Errorf("%w: %d bytes of sealed data, too short for EC %d", ErrToken, len(body), ec)
	}
	_, recv := c.sealUsages()
	// Windows rotates by RRC+EC (MS-KILE 3.4.5.4.1), RFC 4121 by RRC: the same when EC is 0,
	// as it is for AES from Windows and MIT alike; otherwise both are tried.
	rotations := []int{rrc + ec}
	if ec != 0 {
		rotations = append(rotations, rrc)
	}
	var plain []byte
	var err error
	for _, r := range rotations {
		if plain, err = c.et.DecryptMessage(c.key.KeyValue, rotateLeft(body, r), recv); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIntegrity, err)
	}
	if len(plain) < ec+HeaderLen {
		return nil, fmt.Errorf("%w: sealed data of %d bytes holds no header", ErrIntegrity, len(plain))
	}
	inner := plain[len(plain)-HeaderLen:]
	if want := header(h[2], uint16(ec), 0, seq); !bytes.Equal(inner, want) {
		return nil, fmt.Errorf("%w: the sealed copy of the header %x differs from the header %x", ErrIntegrity, inner, want)
	}
	if seq != c.recvSeq {
		return nil, fmt.Errorf("%w: sequence number %d, want %d", ErrSequence, seq, c.recvSeq)
	}
	c.recvSeq++
	return plain[:len(plain)-ec-HeaderLen], nil
}

// checkFlags refuses a token not sealed, not sent by the peer, or not under the key this
// context uses.
func (c *Context) checkFlags(f byte) error {
	switch {
	case f&FlagSealed == 0:
		return fmt.Errorf("%w: not sealed (flags %#x): confidentiality is required", ErrToken, f)
	case (f&FlagSentByAcceptor != 0) == c.acceptor:
		return fmt.Errorf("%w: flags %#x say it was sent by this side, not the peer", ErrToken, f)
	case (f&FlagAcceptorSubkey != 0) != c.acceptorSubkey:
		return fmt.Errorf("%w: flags %#x disagree on the acceptor's subkey (in use: %v)", ErrToken, f, c.acceptorSubkey)
	}
	return nil
}

// WrapWinRM seals plain for WinRM's Kerberos message encryption (MS-WSMV 2.2.9.1): header is what
// goes after the 4-byte length in the octet-stream part (WinRMHeaderLen bytes), data the
// encrypted message that follows it (as long as plain).
func (c *Context) WrapWinRM(plain []byte) (header, data []byte, err error) {
	tok, err := c.Wrap(plain)
	if err != nil {
		return nil, nil, err
	}
	n := c.WinRMHeaderLen()
	return tok[:n], tok[n:], nil
}

// UnwrapWinRM opens a message sealed for WinRM: its header part and the data after it.
func (c *Context) UnwrapWinRM(header, data []byte) ([]byte, error) {
	return c.Unwrap(append(append(make([]byte, 0, len(header)+len(data)), header...), data...))
}

// rotateRight returns b rotated right by n bytes: its last n bytes first.
func rotateRight(b []byte, n int) []byte {
	if len(b) == 0 {
		return nil
	}
	n %= len(b)
	return append(append(make([]byte, 0, len(b)), b[len(b)-n:]...), b[:len(b)-n]...)
}

// rotateLeft undoes rotateRight.
func rotateLeft(b []byte, n int) []byte {
	if len(b) == 0 {
		return nil
	}
	n %= len(b)
	return append(append(make([]byte, 0, len(b)), b[n:]...), b[:n]...)
}
