package sbomarchive

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/vuln"
)

// Added says what Add stored.
type Added struct {
	Name     string
	Time     time.Time
	Packages int
	// Current: this SBOM is the deployment's latest (what it ships now).
	Current bool
	// Again: the same SBOM was already archived for the name at that time;
	// nothing changed.
	Again bool
}

// flags of an occurrence.
const (
	flagDeclaredOnly = 1 << iota
	flagExcluded
)

// Add archives an entry under its name and time, in one transaction: the
// document (kept once whatever the number of names it is archived under),
// and every package it lists with where it is. The deployment's latest
// time is what it ships now.
func (a *Archive) Add(ctx context.Context, e Entry) (Added, error) {
	if err := CheckName(e.Name); err != nil {
		return Added{}, err
	}
	if e.Inventory == nil || len(e.Document) == 0 {
		return Added{}, fmt.Errorf("archive %s: no SBOM", e.Name)
	}
	pkgs := distinct(e.Inventory.Packages)
	sum := sha256.Sum256(e.Document)
	digest := hex.EncodeToString(sum[:])
	out := Added{Name: e.Name, Time: e.Time.UTC(), Packages: len(pkgs)}
	taken := e.Time.UnixMilli()
	err := a.tx(ctx, func(tx *sql.Tx) error {
		body := a.zenc.EncodeAll(e.Document, nil)
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents (digest, format, size, body) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING`,
			digest, e.Format, len(e.Document), body); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deployments (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, e.Name); err != nil {
			return err
		}
		var dep int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM deployments WHERE name = $1`, e.Name).Scan(&dep); err != nil {
			return err
		}
		att, verifiedBy, subjects, err := a.addAttestation(ctx, tx, e.Attested)
		if err != nil {
			return err
		}
		var snap int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM snapshots WHERE deployment = $1 AND taken = $2 AND document = $3`, dep, taken, digest).Scan(&snap)
		switch {
		case err == nil:
			out.Again = true
			if att != "" {
				// The same SBOM, now in an attestation: recorded, a verified
				// one in place of an unverified one or none.
				if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET attestation = $1, verified_by = $2, subjects = $3 WHERE id = $4 AND (attestation = '' OR (verified_by = '' AND $2 <> ''))`,
					att, verifiedBy, subjects, snap); err != nil {
					return err
				}
			}
		case err == sql.ErrNoRows:
			if err := tx.QueryRowContext(ctx, `INSERT INTO snapshots (deployment, taken, added, source, document, packages, attestation, verified_by, subjects) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				dep, taken, time.Now().UnixMilli(), e.Source, digest, len(pkgs), att, verifiedBy, subjects).Scan(&snap); err != nil {
				return err
			}
			ids, err := a.packageIDs(ctx, tx, pkgs)
			if err != nil {
				return err
			}
			if err := a.insertOccurrences(ctx, tx, snap, pkgs, ids); err != nil {
				return err
			}
		default:
			return err
		}
		cur, err := setCurrent(ctx, tx, dep)
		out.Current = cur == snap
		return err
	})
	if err != nil {
		return Added{}, fmt.Errorf("archive %s: %w", e.Name, err)
	}
	return out, nil
}

// addAttestation keeps an attestation's envelope among the documents and
// returns its digest, the key that verified it and its subjects as JSON;
// all empty for none.
func (a *Archive) addAttestation(ctx context.Context, tx *sql.Tx, at *Attested) (digest, verifiedBy, subjects string, err error) {
	if at == nil {
		return "", "", "", nil
	}
	sum := sha256.Sum256(at.Envelope)
	digest = hex.EncodeToString(sum[:])
	if _, err := tx.ExecContext(ctx, `INSERT INTO documents (digest, format, size, body) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING`,
		digest, FormatDSSE, len(at.Envelope), a.zenc.EncodeAll(at.Envelope, nil)); err != nil {
		return "", "", "", err
	}
	js, err := json.Marshal(at.Subjects)
	if err != nil {
		return "", "", "", err
	}
	return digest, at.VerifiedBy, string(js), nil
}

// FormatDSSE is the format of an attestation kept among the documents.
const FormatDSSE = "dsse"

// setCurrent makes a deployment's latest snapshot its current one, and
// returns it.
func setCurrent(ctx context.Context, tx *sql.Tx, dep int64) (int64, error) {
	var cur int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM snapshots WHERE deployment = $1 ORDER BY taken DESC, id DESC LIMIT 1`, dep).Scan(&cur); err != nil {
		return 0, err
	}
	_, err := tx.ExecContext(ctx, `UPDATE deployments SET current_snapshot = $1 WHERE id = $2`, cur, dep)
	return cur, err
}

// tx runs f in a transaction, committed when f returns nil.
func (a *Archive) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// pkgKey is what makes a package distinct: what advisories are matched by
// and what names it.
func pkgKey(p *sbom.Package) string {
	return strings.Join([]string{p.Ecosystem, p.Name, p.Version, p.PURL, p.SourceName, p.SourceVersion}, "\x1f")
}

// distinct merges the packages listed twice (by key), their locations
// together; a package ships if any of its copies does.
func distinct(pkgs []*sbom.Package) []*sbom.Package {
	seen := map[string]*sbom.Package{}
	var out []*sbom.Package
	for _, p := range pkgs {
		k := pkgKey(p)
		if q := seen[k]; q != nil {
			c := *q
			c.Locations = append(append([]sbom.Location(nil), q.Locations...), p.Locations...)
			c.Excluded = q.Excluded && p.Excluded
			c.DeclaredOnly = q.DeclaredOnly && p.DeclaredOnly
			if p.Type == sbom.Library {
				c.Type = sbom.Library
			}
			*q = c
			continue
		}
		c := *p
		seen[k] = &c
		out = append(out, &c)
	}
	return out
}

// batch is how many values one statement reads (within both databases'
// limits on parameters).
const batch = 400

// rows is how many rows of cols columns one INSERT writes: PostgreSQL
// gains from few round trips; SQLite's driver binds each $N parameter at a
// cost that grows with their number, so its statements stay small.
func (a *Archive) rows(cols int) int {
	if a.postgres {
		return 2000 / cols
	}
	return max(1, 200/cols)
}

// packageIDs returns the ids of the packages, inserting those the archive
// does not have.
func (a *Archive) packageIDs(ctx context.Context, tx *sql.Tx, pkgs []*sbom.Package) ([]int64, error) {
	ids := make([]int64, len(pkgs))
	byKey := map[string]int64{}
	keys := make([]string, len(pkgs))
	for i, p := range pkgs {
		keys[i] = pkgKey(p)
	}
	lookup := func(ks []string) error {
		for start := 0; start < len(ks); start += batch {
			part := ks[start:min(start+batch, len(ks))]
			args := make([]any, len(part))
			for i, k := range part {
				args[i] = k
			}
			rows, err := tx.QueryContext(ctx, `SELECT id, key FROM packages WHERE key IN (`+params(1, len(part))+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var k string
				if err := rows.Scan(&id, &k); err != nil {
					rows.Close()
					return err
				}
				byKey[k] = id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := lookup(keys); err != nil {
		return nil, err
	}
	var missing []int
	for i, k := range keys {
		if _, ok := byKey[k]; !ok {
			missing = append(missing, i)
		}
	}
	const cols = 9
	per := a.rows(cols)
	for start := 0; start < len(missing); start += per {
		part := missing[start:min(start+per, len(missing))]
		var args []any
		var values []string
		for j, i := range part {
			p := pkgs[i]
			values = append(values, "("+params(j*cols+1, cols)+")")
			args = append(args, keys[i], p.Ecosystem, vuln.BaseEcosystem(p.Ecosystem), sbom.NormalizeName(p.Ecosystem, p.Name),
				p.Name, p.Version, p.PURL, p.SourceName, p.SourceVersion)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO packages (key, ecosystem, base, norm, name, version, purl, source_name, source_version) VALUES `+
			strings.Join(values, ", ")+` ON CONFLICT (key) DO NOTHING`, args...); err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		var ks []string
		for _, i := range missing {
			ks = append(ks, keys[i])
		}
		if err := lookup(ks); err != nil {
			return nil, err
		}
	}
	for i, k := range keys {
		id, ok := byKey[k]
		if !ok {
			return nil, fmt.Errorf("package %s@%s: not stored", pkgs[i].Name, pkgs[i].Version)
		}
		ids[i] = id
	}
	return ids, nil
}

// insertOccurrences records the packages of the snapshot, and where each
// is.
func (a *Archive) insertOccurrences(ctx context.Context, tx *sql.Tx, snap int64, pkgs []*sbom.Package, ids []int64) error {
	flags := make([]int, len(pkgs))
	locs := make([]string, len(pkgs))
	for i, p := range pkgs {
		if p.DeclaredOnly {
			flags[i] |= flagDeclaredOnly
		}
		if p.Excluded {
			flags[i] |= flagExcluded
		}
		b, err := json.Marshal(p.Locations)
		if err != nil {
			return err
		}
		locs[i] = string(b)
	}
	if err := a.insertRows(ctx, tx, `INSERT INTO occurrences (snapshot, package, ref, type, flags) VALUES `, 5, len(pkgs), func(i int) []any {
		return []any{snap, ids[i], pkgs[i].ID, string(pkgs[i].Type), flags[i]}
	}); err != nil {
		return err
	}
	return a.insertRows(ctx, tx, `INSERT INTO placements (package, snapshot, flags, locations) VALUES `, 4, len(pkgs), func(i int) []any {
		return []any{ids[i], snap, flags[i], locs[i]}
	})
}

// insertRows inserts n rows of cols columns, row(i) giving the values of
// the i-th, a.rows(cols) a statement (full statements prepared once).
func (a *Archive) insertRows(ctx context.Context, tx *sql.Tx, insert string, cols, n int, row func(int) []any) error {
	per := a.rows(cols)
	stmt := func(k int) string {
		values := make([]string, k)
		for i := range values {
			values[i] = "(" + params(i*cols+1, cols) + ")"
		}
		return insert + strings.Join(values, ", ")
	}
	var full *sql.Stmt
	if n >= per {
		var err error
		if full, err = tx.PrepareContext(ctx, stmt(per)); err != nil {
			return err
		}
		defer full.Close()
	}
	args := make([]any, 0, per*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		var err error
		if end-start == per {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmt(end-start), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// params is "$from, $from+1, ..." n times.
func params(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
