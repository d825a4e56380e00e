package repository

import "context"

// DataVersion reads the workspace's data version, which the statement
// triggers of migrations/00019 bump with every write a chart depends on.
func (s *Store) DataVersion(ctx context.Context, workspaceID string) (int64, error) {
	var versions []int64
	err := s.conn(ctx).Raw(`SELECT version FROM workspace_data_versions WHERE workspace_id = ?`, workspaceID).Scan(&versions).Error
	if err != nil || len(versions) == 0 {
		return 0, translate(err)
	}
	return versions[0], nil
}
