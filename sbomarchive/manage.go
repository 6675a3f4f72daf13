package sbomarchive

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shipcheck/shipcheck/attest"
	"github.com/shipcheck/shipcheck/sbom"
)

// Deployment is an archived deployment: its latest SBOM's time and size,
// how many it has, and when it was last rescanned.
type Deployment struct {
	Name      string    `json:"name"`
	Time      time.Time `json:"time"`
	Packages  int       `json:"packages"`
	Snapshots int       `json:"snapshots"`
	Rescanned time.Time `json:"rescanned,omitzero"`
	Findings  int       `json:"findings"`
}

// Snapshot is one archived SBOM of a deployment.
type Snapshot struct {
	Time     time.Time `json:"time"`
	Added    time.Time `json:"added"`
	Source   string    `json:"source"`
	Format   string    `json:"format"`
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Packages int       `json:"packages"`
	Current  bool      `json:"current,omitempty"`
	// Attestation, when the SBOM came in one: its SHA-256, the key that
	// verified it (empty: not verified) and its subjects.
	Attestation *SnapshotAttestation `json:"attestation,omitempty"`
}

// SnapshotAttestation is what the archive keeps of an attestation.
type SnapshotAttestation struct {
	SHA256     string           `json:"sha256"`
	VerifiedBy string           `json:"verified_by,omitempty"`
	Subjects   []attest.Subject `json:"subjects"`
}

// Detail is what show says of a deployment: its SBOMs, newest first, and
// the packages of the latest.
type Detail struct {
	Deployment
	Snapshots []Snapshot      `json:"snapshots"`
	Contents  []*sbom.Package `json:"packages"`
}

func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// List returns every deployment, by name.
func (a *Archive) List(ctx context.Context) ([]Deployment, error) {
	return a.list(ctx, "", nil)
}

// list returns the deployments a condition on d selects, by name.
func (a *Archive) list(ctx context.Context, where string, args []any) ([]Deployment, error) {
	rows, err := a.db.QueryContext(ctx, `
SELECT d.name, s.taken, s.packages, d.rescanned, COALESCE(sc.n, 0), COALESCE(fc.n, 0)
FROM deployments d JOIN snapshots s ON s.id = d.current_snapshot
LEFT JOIN (SELECT deployment, COUNT(*) AS n FROM snapshots GROUP BY deployment) sc ON sc.deployment = d.id
LEFT JOIN (SELECT deployment, COUNT(*) AS n FROM findings GROUP BY deployment) fc ON fc.deployment = d.id
`+where+`
ORDER BY d.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", a, err)
	}
	defer rows.Close()
	var out []Deployment
	for rows.Next() {
		var d Deployment
		var taken int64
		var rescanned sql.NullInt64
		if err := rows.Scan(&d.Name, &taken, &d.Packages, &rescanned, &d.Snapshots, &d.Findings); err != nil {
			return nil, err
		}
		d.Time = millis(taken)
		if rescanned.Valid {
			d.Rescanned = millis(rescanned.Int64)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Show returns a deployment's SBOMs and the packages of its latest; an
// unknown name is ErrNotFound.
func (a *Archive) Show(ctx context.Context, name string) (*Detail, error) {
	one, err := a.list(ctx, "WHERE d.name = $1", []any{name})
	if err != nil {
		return nil, err
	}
	if len(one) == 0 {
		return nil, fmt.Errorf("%q: %w", name, ErrNotFound)
	}
	det := &Detail{Deployment: one[0]}
	rows, err := a.db.QueryContext(ctx, `
SELECT s.id, s.taken, s.added, s.source, s.document, s.packages, doc.format, doc.size, s.id = d.current_snapshot, s.attestation, s.verified_by, s.subjects
FROM snapshots s JOIN deployments d ON d.id = s.deployment JOIN documents doc ON doc.digest = s.document
WHERE d.name = $1 ORDER BY s.taken DESC, s.id DESC`, name)
	if err != nil {
		return nil, err
	}
	var current int64
	for rows.Next() {
		var s Snapshot
		var id, taken, added int64
		var att, verifiedBy, subjects string
		if err := rows.Scan(&id, &taken, &added, &s.Source, &s.SHA256, &s.Packages, &s.Format, &s.Size, &s.Current, &att, &verifiedBy, &subjects); err != nil {
			rows.Close()
			return nil, err
		}
		if att != "" {
			s.Attestation = &SnapshotAttestation{SHA256: att, VerifiedBy: verifiedBy}
			if err := json.Unmarshal([]byte(subjects), &s.Attestation.Subjects); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%q: the subjects of attestation %.12s: %w", name, att, err)
			}
		}
		s.Time, s.Added = millis(taken), millis(added)
		if s.Current {
			current = id
		}
		det.Snapshots = append(det.Snapshots, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	invs, err := a.inventories(ctx, []int64{current})
	if err != nil {
		return nil, err
	}
	det.Contents = invs[current]
	return det, nil
}

// Document returns the SBOM a deployment was archived with at t (zero:
// its latest), as it was given, with its format.
func (a *Archive) Document(ctx context.Context, name string, t time.Time) ([]byte, string, error) {
	return a.document(ctx, name, t, "document")
}

// Attestation returns the attestation (a DSSE envelope) a deployment's
// SBOM of t (zero: its latest) came in, as it was given; ErrNotFound when
// it came in none.
func (a *Archive) Attestation(ctx context.Context, name string, t time.Time) ([]byte, error) {
	b, _, err := a.document(ctx, name, t, "attestation")
	return b, err
}

// document returns the document a snapshot's column (document or
// attestation) names.
func (a *Archive) document(ctx context.Context, name string, t time.Time, column string) ([]byte, string, error) {
	q := `SELECT doc.format, doc.body FROM deployments d JOIN snapshots s ON s.id = d.current_snapshot JOIN documents doc ON doc.digest = s.` + column + ` WHERE d.name = $1`
	args := []any{name}
	if !t.IsZero() {
		q = `SELECT doc.format, doc.body FROM deployments d JOIN snapshots s ON s.deployment = d.id JOIN documents doc ON doc.digest = s.` + column + ` WHERE d.name = $1 AND s.taken = $2 ORDER BY s.id DESC LIMIT 1`
		args = append(args, t.UnixMilli())
	}
	var format string
	var body []byte
	err := a.db.QueryRowContext(ctx, q, args...).Scan(&format, &body)
	if err == sql.ErrNoRows {
		if column == "attestation" {
			return nil, "", fmt.Errorf("%q: no attestation: %w", name, ErrNotFound)
		}
		return nil, "", fmt.Errorf("%q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, "", err
	}
	b, err := a.zdec.DecodeAll(body, nil)
	if err != nil {
		return nil, "", fmt.Errorf("%q: the archived %s: %w", name, column, err)
	}
	return b, format, nil
}

// Remove removes a deployment with its SBOMs and its rescan state; an
// unknown name is ErrNotFound. Documents and packages no other deployment
// has go too.
func (a *Archive) Remove(ctx context.Context, name string) error {
	return a.tx(ctx, func(tx *sql.Tx) error {
		// Placements first: they are found through the occurrences the
		// deployment's removal cascades to.
		if _, err := tx.ExecContext(ctx, `DELETE FROM placements WHERE EXISTS (SELECT 1 FROM occurrences o JOIN snapshots s ON s.id = o.snapshot JOIN deployments d ON d.id = s.deployment
WHERE d.name = $1 AND o.snapshot = placements.snapshot AND o.package = placements.package)`, name); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%q: %w", name, ErrNotFound)
		}
		return collect(ctx, tx)
	})
}

// collect removes the documents and packages no snapshot refers to.
func collect(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.document = documents.digest)`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM packages WHERE NOT EXISTS (SELECT 1 FROM placements l WHERE l.package = packages.id)`)
	return err
}

// inventories loads the packages of snapshots, as they were archived.
func (a *Archive) inventories(ctx context.Context, snaps []int64) (map[int64][]*sbom.Package, error) {
	out := map[int64][]*sbom.Package{}
	for start := 0; start < len(snaps); start += batch {
		part := snaps[start:min(start+batch, len(snaps))]
		args := make([]any, len(part))
		for i, s := range part {
			args[i] = s
		}
		rows, err := a.db.QueryContext(ctx, `
SELECT o.snapshot, o.ref, o.type, o.flags, l.locations, p.ecosystem, p.name, p.version, p.purl, p.source_name, p.source_version
FROM occurrences o JOIN packages p ON p.id = o.package JOIN placements l ON l.package = o.package AND l.snapshot = o.snapshot
WHERE o.snapshot IN (`+params(1, len(part))+`) ORDER BY o.snapshot, p.ecosystem, p.name, p.version`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var snap int64
			var flags int
			var locs []byte
			var typ string
			p := &sbom.Package{}
			if err := rows.Scan(&snap, &p.ID, &typ, &flags, &locs, &p.Ecosystem, &p.Name, &p.Version, &p.PURL, &p.SourceName, &p.SourceVersion); err != nil {
				rows.Close()
				return nil, err
			}
			p.Type = sbom.Type(typ)
			p.DeclaredOnly, p.Excluded = flags&flagDeclaredOnly != 0, flags&flagExcluded != 0
			if err := json.Unmarshal(locs, &p.Locations); err != nil {
				rows.Close()
				return nil, fmt.Errorf("package %s@%s: locations: %w", p.Name, p.Version, err)
			}
			out[snap] = append(out[snap], p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
