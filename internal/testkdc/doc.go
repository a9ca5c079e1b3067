// Package testkdc is a test fixture: a real MIT Kerberos KDC (Debian's krb5-kdc) serving a realm
// on loopback, with user principals, HTTP/ service principals exported to keytabs, a krb5.conf
// for clients and kinit for ticket caches. Tests of other packages import it.
//
// MIT Kerberos is installed with apt-get when it is missing and the tests run as root (once per
// test process). Where it cannot be installed, Start skips the test with a message that says
// why, unless the CI environment variable is set: then the test fails, because CI must run the
// Kerberos tests.
package testkdc
