/* get_rows.cl: embedding gather, out row r = table row ids[r] widened to f32
 * (MODEL.md §8 token embedding); a bad id raises the backend's flag. */

/* --- vo_get_rows: item (i, row); flag[0] = 1 + first bad row seen --- */
kernel void vo_get_rows(global const uchar *table, ulong t_off, global const int *ids,
                        ulong ids_off, global uchar *out, ulong out_off, global int *flag,
                        int ne0, int ne1, int ne2, int n_table, int t_type, ulong t_nb1,
                        ulong o_nb1, ulong o_nb2, ulong o_nb3)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0)
        return;
    int id = ((global const int *)((global const uchar *)ids + ids_off))[r];
    global float *o = (global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3));
    if (id < 0 || id >= n_table) {
        o[i] = 0.0f;
        flag[0] = r + 1;    /* racing writers all write a bad row: any one will do */
        return;
    }
    o[i] = load_f(table + t_off + (ulong)id * t_nb1, i, t_type);
}
