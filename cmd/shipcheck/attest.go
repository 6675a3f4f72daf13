package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/attest"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/report"
)

const attestExitHelp = `Exit codes:
  0    the attestation was written
  2    it could not be: a key that is not accepted, an artifact that cannot be
       read (or only in part, unless --allow-partial), bad usage
  130  interrupted (Ctrl-C); 143 when terminated (SIGTERM)`

func newAttestCmd(e *env) *cobra.Command {
	c := newReportCmd(report.KindSBOM, false, false)
	c.rf.kind, c.rf.def = report.KindSBOM, "cyclonedx-json"
	var (
		keyFile, keyID, output string
		statementOnly          bool
	)
	cmd := &cobra.Command{
		Use:   "attest ARTIFACT (--key KEY | --statement-only) [--output FILE]",
		Short: "Write a signed in-toto attestation of the artifact's SBOM",
		Long: `Take the artifact's SBOM, as 'shipcheck sbom' does (CycloneDX JSON, the same
flags), and write an in-toto attestation of it: a Statement v1
(_type https://in-toto.io/Statement/v1) whose subjects are the artifact and
each --layer, by file base name and the SHA-256 of the file's bytes, and whose
predicate is the SBOM (predicateType https://cyclonedx.org/bom), in a DSSE
envelope (payloadType application/vnd.in-toto+json) signed with KEY.

'shipcheck verify' checks it, and so do cosign (verify-blob-attestation
--key KEY.pub --type cyclonedx) and in-toto's DSSE verifiers (see the README).
Subjects are files: a folder or an OCI layout folder is refused (attest the
archive you deploy).

--statement-only writes the Statement unsigned, for a signer shipcheck does
not have: keyless (Sigstore: a Fulcio certificate, the signature logged in
Rekor) or a KMS, with cosign attest-blob --statement FILE --bundle OUT.

` + attest.KeysHelp + `

With SOURCE_DATE_EPOCH set, or --deterministic, the SBOM is the same for the
same artifact, and so is an Ed25519 attestation (an ECDSA signature differs at
each run).

` + attestExitHelp,
		Example: `  shipcheck attest function.zip --layer layer.zip --key key.pem --output function.att.json
  shipcheck verify function.att.json --key key.pub --artifact function.zip --artifact layer.zip
  shipcheck attest function.zip --layer layer.zip --statement-only --output statement.json
  cosign attest-blob --statement statement.json --bundle function.sigstore.json --yes`,
		Args:              exactArgs(1, "an artifact file: a zip, tar or image tarball"),
		PersistentPreRunE: ownFlags("output", "key"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case statementOnly && (keyFile != "" || keyID != ""):
				return usageErr(errors.New("--statement-only writes the statement unsigned: drop --key and --keyid"))
			case !statementOnly && keyFile == "":
				return usageErr(errors.New("attest needs --key: a PKCS#8 PEM private key, ECDSA P-256 or Ed25519, or --statement-only for another signer (see 'shipcheck attest --help')"))
			}
			so, _, err := c.options(e, 1)
			if err != nil {
				return usageErr(err)
			}
			var key *attest.Key
			if !statementOnly {
				b, err := os.ReadFile(keyFile)
				if err != nil {
					return usageErr(fmt.Errorf("--key: %w", err))
				}
				if key, err = attest.ParsePrivateKey(b, keyID); err != nil {
					return usageErr(fmt.Errorf("--key %s: %w", archive.Printable(keyFile), err))
				}
			}
			if output != "" && output != "-" {
				if err := report.Writable(output); err != nil {
					return usageErr(fmt.Errorf("--output %s: %w", output, err))
				}
			}
			// Subjects are files' bytes: refuse a folder before the scan.
			for _, p := range append([]string{args[0]}, c.af.layers...) {
				if fi, err := os.Stat(p); err == nil && fi.IsDir() {
					return usageErr(fmt.Errorf("%s is a folder: an attestation's subjects are files (zip it, or attest the archive you deploy)", archive.Printable(p)))
				}
			}
			so.Each = progressEach(e, so.Progress, &so)
			rep, err := shipcheck.Run(cmd.Context(), []shipcheck.Target{{Artifact: args[0], Layers: c.af.layers}}, so)
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			// An SBOM of part of the artifact is not signed, unless asked.
			if partial := report.WriteProblems(e.stderr, rep.Problems(), c.af.allowPartial, e.quiet); partial > 0 && !c.af.allowPartial {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("the artifact could not be read completely (%d problem(s) above): nothing was signed. Rerun with --allow-partial to sign the partial SBOM", partial)}
			}
			d := rep.Deployments[0]
			var subjects []attest.Subject
			for _, f := range d.Files {
				if f.Dir || f.SHA256 == "" {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("%s is a folder: an attestation's subjects are files", archive.Printable(f.Path))}
				}
				subjects = append(subjects, attest.Subject{Name: f.Name, SHA256: f.SHA256})
			}
			var bom bytes.Buffer
			if err := report.Encode(&bom, rep, "cyclonedx-json", report.Options{SpecVersion: c.rf.specVersion}); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			st, err := attest.Statement(subjects, bom.Bytes())
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			env := st
			if key != nil {
				if env, err = attest.Sign(cmd.Context(), key, st); err != nil {
					return &exitError{code: exitIncomplete, err: err}
				}
			}
			env = append(env, '\n')
			if output == "" || output == "-" {
				_, err = e.stdout.Write(env)
			} else {
				err = report.WriteFile(output, func(w io.Writer) error { _, err := w.Write(env); return err })
			}
			if err != nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("write the attestation: %w", err)}
			}
			if !e.quiet {
				names := make([]string, len(subjects))
				for i, s := range subjects {
					names[i] = archive.Printable(s.Name) + " sha256:" + s.SHA256
				}
				to := "standard output"
				if output != "" && output != "-" {
					to = archive.Printable(output)
				}
				signed := "unsigned (--statement-only)"
				if key != nil {
					signed = "signed with " + key.Public().Algorithm() + " key " + key.Public().Fingerprint()
				}
				fmt.Fprintf(e.stderr, "shipcheck: attested %s: CycloneDX SBOM of %d package(s), %s; written to %s\n",
					strings.Join(names, ", "), len(d.Packages), signed, to)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	c.af.register(fs)
	c.af.complete(cmd)
	fs.StringVarP(&keyFile, "key", "k", "", "the private key: PKCS#8 PEM, ECDSA P-256 or Ed25519, unencrypted")
	fs.StringVar(&keyID, "keyid", "", "a hint written in the signature's keyid (default none, as cosign writes; set it for a verifier that picks keys by id)")
	fs.StringVarP(&output, "output", "o", "", "the file to write the attestation (DSSE envelope, JSON) to; standard output when not given or -")
	fs.BoolVar(&statementOnly, "statement-only", false, "write the in-toto Statement unsigned, for another signer (cosign attest-blob --statement FILE: keyless, KMS)")
	fs.StringVar(&c.rf.configFile, "config", "", "the configuration file (default: .shipcheck.yaml in the working folder, if any)")
	fs.StringVar(&c.rf.specVersion, "spec-version", "1.6", "CycloneDX specification version of the SBOM: 1.5, 1.6 or 1.7")
	cmd.RegisterFlagCompletionFunc("spec-version", cobra.FixedCompletions([]string{"1.5", "1.6", "1.7"}, cobra.ShellCompDirectiveNoFileComp))
	fs.BoolVar(&c.allowEmpty, "allow-empty", false, "accept an artifact with no files (else exit 2: nothing to attest)")
	fs.BoolVar(&c.deterministic, "deterministic", false, "the same artifact gives the same SBOM: a fixed timestamp (SOURCE_DATE_EPOCH, or 1970) and a serial number derived from the content")
	return cmd
}

const verifyExitHelp = `Exit codes:
  0    the signature verifies with KEY, the predicate is a CycloneDX BOM, and
       every --artifact is one of the subjects
  1    the signature does not verify, or an --artifact matches no subject
  2    cannot tell: a file that cannot be read, not a DSSE envelope, another
       payloadType or predicate, a malformed statement or BOM, a key that is
       not accepted, bad usage`

func newVerifyCmd(e *env) *cobra.Command {
	var (
		keyFile   string
		artifacts []string
	)
	cmd := &cobra.Command{
		Use:   "verify ATTESTATION --key KEY.pub [--artifact FILE]...",
		Short: "Check an attestation's signature and that artifacts are its subjects",
		Long: `Check an attestation written by 'shipcheck attest' (or any DSSE envelope of an
in-toto Statement whose predicate is a CycloneDX SBOM, such as cosign
attest-blob --type cyclonedx writes): that a signature verifies with the
public key (the keyid is a hint, not checked), that the payload is an in-toto
Statement with predicateType https://cyclonedx.org/bom and a well-formed
CycloneDX BOM, and, for each --artifact, that the SHA-256 of its bytes is one
of the subjects' (by digest: the subject it matched is named, whatever the
file is called now).

` + attest.KeysHelp + `

` + verifyExitHelp,
		Example:           `  shipcheck verify function.att.json --key key.pub --artifact function.zip --artifact layer.zip`,
		Args:              exactArgs(1, "an attestation (a DSSE envelope, JSON)"),
		PersistentPreRunE: ownFlags("key"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" {
				return usageErr(errors.New("verify needs --key: a PKIX PEM public key, ECDSA P-256 or Ed25519 (see 'shipcheck verify --help')"))
			}
			pub, err := readPublicKey(keyFile)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageErr(err)
			}
			a, err := attest.Verify(cmd.Context(), f, pub)
			f.Close()
			name := archive.Printable(args[0])
			switch {
			case errors.Is(err, attest.ErrSignature):
				return &exitError{code: exitFindings, err: fmt.Errorf("signature: %s is not signed by %s key %s (%s): its signature does not verify", name, pub.Algorithm(), pub.Fingerprint(), archive.Printable(keyFile))}
			case err != nil:
				return &exitError{code: exitIncomplete, err: fmt.Errorf("%s: %w", name, err)}
			}
			fmt.Fprintf(e.stdout, "signature: verified with %s key %s\n", pub.Algorithm(), pub.Fingerprint())
			fmt.Fprintf(e.stdout, "statement: %s, predicate %s (CycloneDX %s, %d component(s))\n", a.StatementType, a.PredicateType, a.BOM.SpecVersion, components(a))
			for _, s := range a.Subjects {
				fmt.Fprintf(e.stdout, "subject: %s sha256:%s\n", archive.Printable(s.Name), s.SHA256)
			}
			var mismatched []string
			for _, p := range artifacts {
				f, err := os.Open(p)
				if err != nil {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("--artifact: %w", err)}
				}
				if fi, err := f.Stat(); err == nil && fi.IsDir() {
					f.Close()
					return &exitError{code: exitIncomplete, err: fmt.Errorf("--artifact %s is a folder: subjects are files", archive.Printable(p))}
				}
				s, err := a.Match(p, f)
				f.Close()
				var mm *attest.MismatchError
				switch {
				case errors.As(err, &mm):
					fmt.Fprintf(e.stderr, "shipcheck: artifact %s does not match any subject (its sha256 is %s)\n", archive.Printable(p), mm.SHA256)
					mismatched = append(mismatched, archive.Printable(p))
				case err != nil:
					return &exitError{code: exitIncomplete, err: err}
				default:
					also := ""
					if base := archive.Printable(baseName(p)); base != s.Name {
						also = " (by digest; the file is named " + base + ")"
					}
					fmt.Fprintf(e.stdout, "artifact %s: matches subject %s%s\n", archive.Printable(p), archive.Printable(s.Name), also)
				}
			}
			if len(mismatched) > 0 {
				return &exitError{code: exitFindings, err: fmt.Errorf("%d artifact(s) do not match any subject of %s: %s", len(mismatched), name, strings.Join(mismatched, ", "))}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&keyFile, "key", "k", "", "the public key: PKIX PEM (BEGIN PUBLIC KEY), ECDSA P-256 or Ed25519")
	fs.StringArrayVarP(&artifacts, "artifact", "a", nil, "a file that must be one of the subjects, by SHA-256 (repeat for several)")
	return cmd
}

// readPublicKey reads --key's public key.
func readPublicKey(keyFile string) (*attest.PublicKey, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, usageErr(fmt.Errorf("--key: %w", err))
	}
	pub, err := attest.ParsePublicKey(b)
	if err != nil {
		return nil, usageErr(fmt.Errorf("--key %s: %w", archive.Printable(keyFile), err))
	}
	return pub, nil
}

func components(a *attest.Attestation) int {
	n := 0
	if a.BOM.Components != nil {
		n = len(*a.BOM.Components)
	}
	return n
}

func baseName(p string) string {
	return p[strings.LastIndexAny(p, `/\`)+1:]
}

// ownFlags is the PersistentPreRunE of a command with flags that share a
// name with the report commands' but not their meaning (attest's --output
// is a file, theirs a list of formats): it runs the root's (configuration,
// SHIPCHECK_ variables, the logger) leaving those flags as the command
// line set them, so that `output: [table]` in .shipcheck.yaml or
// SHIPCHECK_OUTPUT do not land there (nor one --key default in both
// attest, which takes a private key, and verify, a public one).
func ownFlags(names ...string) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		was := make([]bool, len(names))
		for i, n := range names {
			f := cmd.Flags().Lookup(n)
			was[i], f.Changed = f.Changed, true
		}
		err := cmd.Root().PersistentPreRunE(cmd, args)
		for i, n := range names {
			cmd.Flags().Lookup(n).Changed = was[i]
		}
		return err
	}
}
