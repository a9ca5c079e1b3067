package winsim

import (
	"fmt"
	"strings"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// This file is who may log on to a host: its local accounts and, on a member or controller,
// the accounts of its domain, under every name Windows takes for them.
//
// An account is named as Windows takes it: "user", ".\user" or "HOSTNAME\user" is a local
// account; "DOMAIN\user", "dns.domain\user" or "user@dns.domain" is an account of the host's
// domain (NetBIOS or DNS name). User and domain names compare without regard to case. A
// domain controller has no local accounts of its own: every account is the domain's, and its
// own name and "." name the domain too.

// parseAccount splits a configured account name (Options.Username, User.Name) into its user
// name and whether it is a domain account, refusing a domain the host does not belong to.
func (h *Host) parseAccount(name string) (user string, domain bool, err error) {
	dom, user, scoped := strings.Cut(name, `\`)
	if !scoped {
		user, dom = name, ""
		if u, suffix, ok := cutLast(name, "@"); ok {
			user, dom = u, suffix
		}
	}
	switch {
	case user == "" || strings.ContainsAny(user, `\/@"[]:;|=,+*?<>`):
		return "", false, fmt.Errorf("winsim: invalid account name %q (want user, .\\user, HOST\\user, DOMAIN\\user or user@dns.domain)", name)
	case dom == "" && !scoped, dom == ".", strings.EqualFold(dom, h.computerName()):
		return user, h.isDC(), nil
	case h.isDomainName(dom):
		return user, true, nil
	case h.machine.Config().Domain == "":
		return "", false, fmt.Errorf("winsim: account %q names domain %q, but a standalone host belongs to no domain: use role member or dc", name, dom)
	default:
		cfg := h.machine.Config()
		return "", false, fmt.Errorf("winsim: account %q names domain %q, but the host belongs to %s (%s)", name, dom, cfg.Domain, cfg.DNSDomain)
	}
}

// addAccount adds a configured account, refusing a name given twice. Its canonical name, the
// user name alone for a local account and DOMAIN\user for a domain account, is the name the
// host knows it by: shells belong to it.
func (h *Host) addAccount(name, password string, admin bool) error {
	user, domain, err := h.parseAccount(name)
	if err != nil {
		return err
	}
	canon := user
	if domain {
		canon = h.machine.Config().Domain + `\` + user
	}
	key := strings.ToUpper(canon)
	if _, dup := h.users[key]; dup {
		return fmt.Errorf("winsim: account %q is configured twice", canon)
	}
	h.users[key] = User{Name: canon, Password: password, Admin: admin}
	return nil
}

// account finds the account a logon names, from the user and domain names as the client sent
// them (the fields of an NTLM AUTHENTICATE message, or a Basic name split at its backslash).
func (h *Host) account(user, domain string) (User, bool) {
	switch {
	case domain == "":
		// A UPN names a domain account by the domain's DNS name.
		if name, suffix, ok := cutLast(user, "@"); ok && h.isDNSDomainName(suffix) {
			return h.domainAccount(name)
		}
		// No domain: the local account, else on a member the domain's (MSV1_0 passes a logon it
		// cannot satisfy locally to a domain controller).
		if u, ok := h.localAccount(user); ok {
			return u, true
		}
		return h.domainAccount(user)
	case domain == ".", strings.EqualFold(domain, h.computerName()):
		return h.localAccount(user)
	case h.isDomainName(domain):
		return h.domainAccount(user)
	}
	return User{}, false // another computer's or another domain's account
}

// localAccount finds a local account; on a controller, the domain's.
func (h *Host) localAccount(user string) (User, bool) {
	if h.isDC() {
		return h.domainAccount(user)
	}
	u, ok := h.users[strings.ToUpper(user)]
	return u, ok
}

// domainAccount finds an account of the host's domain; a workgroup host has none.
func (h *Host) domainAccount(user string) (User, bool) {
	d := h.machine.Config().Domain
	if d == "" {
		return User{}, false
	}
	u, ok := h.users[strings.ToUpper(d+`\`+user)]
	return u, ok
}

// isDomainName reports whether name is the NetBIOS or DNS name of the host's domain.
func (h *Host) isDomainName(name string) bool {
	cfg := h.machine.Config()
	return cfg.Domain != "" && (strings.EqualFold(name, cfg.Domain) || strings.EqualFold(name, cfg.DNSDomain))
}

// isDNSDomainName reports whether name is the DNS name of the host's domain, the suffix of its
// accounts' implicit UPNs.
func (h *Host) isDNSDomainName(name string) bool {
	cfg := h.machine.Config()
	return cfg.Domain != "" && strings.EqualFold(name, cfg.DNSDomain)
}

func (h *Host) isDC() bool { return h.machine.Config().Role == winhost.DomainController }

// computerName is the host's NetBIOS name, as a local account's domain names it.
func (h *Host) computerName() string { return netBIOSName(h.machine.Config().Hostname) }

// netBIOSName is a host name as NetBIOS has it: upper case, at most 15 characters.
func netBIOSName(hostname string) string {
	r := []rune(strings.ToUpper(hostname))
	return string(r[:min(len(r), 15)])
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
