// A PyTorch transcription of the pytorch-metric-learning and lightly algorithms (their
// masking, pair selection, reductions and degenerate cases), written with plain torch ops for
// Debian's /usr/bin/python3. Each case is run in float64; the script prints values and gradients.
export const TORCH_REFERENCE = String.raw`
import json, sys, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)

def matches_diffs(y):
    m = (y[:, None] == y[None, :]).byte()
    d = m ^ 1
    m.fill_diagonal_(0)
    return m, d

def all_pairs(y):
    m, d = matches_diffs(y)
    a1, p = torch.where(m)
    a2, n = torch.where(d)
    return a1, p, a2, n

def all_triplets(y):
    m, d = matches_diffs(y)
    return torch.where(m.unsqueeze(2) * d.unsqueeze(1))

def dist_mat(x, kind):
    xn = F.normalize(x, p=2, dim=1)
    return (xn @ xn.T, True) if kind == 'cos' else (torch.cdist(xn, xn, p=2), False)

def margin(inv, a, b):
    return b - a if inv else a - b

def avg_non_zero(l):
    keep = l > 0
    return l[keep].mean() if keep.sum() >= 1 else l.mean() * 0

def zero(x):
    return (x * 0).sum()

def contrastive(x, y, c):
    a1, p, a2, n = all_pairs(y)
    if all(len(t) <= 1 for t in (a1, p, a2, n)):
        return zero(x) + zero(x)
    mat, inv = dist_mat(x, c['distance'])
    pos = F.relu(margin(inv, mat[a1, p], c['posMargin'])) if len(a1) > 0 else None
    neg = F.relu(margin(inv, c['negMargin'], mat[a2, n])) if len(a2) > 0 else None
    return (avg_non_zero(pos) if pos is not None else zero(x)) + (avg_non_zero(neg) if neg is not None else zero(x))

def supcon(x, y, c):
    a1, p, a2, n = all_pairs(y)
    mat, inv = dist_mat(x, 'cos')
    pos_mask = torch.zeros_like(mat); neg_mask = torch.zeros_like(mat)
    pos_mask[a1, p] = 1; neg_mask[a2, n] = 1
    if not (pos_mask.bool().any() and neg_mask.bool().any()):
        return zero(x)
    mat = mat / c['temperature']
    mat = mat - mat.max(dim=1, keepdim=True)[0].detach()
    keep = (pos_mask + neg_mask).bool()
    masked = mat.masked_fill(~keep, torch.finfo(mat.dtype).min)
    denom = torch.logsumexp(masked, dim=1, keepdim=True).masked_fill(~keep.any(dim=1, keepdim=True), 0)
    log_prob = mat - denom
    mlpp = (pos_mask * log_prob).sum(dim=1) / (pos_mask.sum(dim=1) + torch.finfo(mat.dtype).tiny)
    return avg_non_zero(-mlpp)

def triplet(x, y, c):
    a, p, n = all_triplets(y)
    if len(a) == 0:
        return zero(x)
    mat, inv = dist_mat(x, c['distance'])
    ap = mat[a, p]; an = mat[a, n]
    if c['swap']:
        pn = mat[p, n]
        an = torch.max(an, pn) if inv else torch.min(an, pn)
    v = margin(inv, ap, an) + c['margin']
    return avg_non_zero(F.softplus(v) if c['smooth'] else F.relu(v))

def npairs(x, y, c):
    a, p, _, _ = all_pairs(y)
    first = {}
    for k, l in enumerate(y[a].tolist()):
        first.setdefault(l, k)
    idx = torch.tensor([first[l] for l in sorted(first)], dtype=torch.long)
    if len(idx) == 0:
        return zero(x)
    a, p = a[idx], p[idx]
    xn = F.normalize(x, p=2, dim=1)
    sim = xn[a] @ xn[p].T
    return F.cross_entropy(sim, torch.arange(len(a)), reduction='none').mean()

def ntxent(z1, z2, c):
    T = c['temperature']; n = z1.shape[0]
    o0 = F.normalize(z1, dim=1); o1 = F.normalize(z2, dim=1)
    diag = torch.eye(n, dtype=torch.bool)
    l00 = (o0 @ o0.T / T)[~diag].view(n, -1)
    l01 = o0 @ o1.T / T
    l10 = o1 @ o0.T / T
    l11 = (o1 @ o1.T / T)[~diag].view(n, -1)
    logits = torch.cat([torch.cat([l01, l00], 1), torch.cat([l10, l11], 1)], 0)
    return F.cross_entropy(logits, torch.arange(n).repeat(2))

def infonce(q, k, queue, c):
    o0 = F.normalize(q, dim=1); o1 = F.normalize(k, dim=1)
    negatives = queue.T.clone().detach()  # lightly's bank: (D, K)
    sim_pos = torch.einsum('nc,nc->n', o0, o1).unsqueeze(-1)
    sim_neg = torch.einsum('nc,ck->nk', o0, negatives)
    logits = torch.cat([sim_pos, sim_neg], 1) / c['temperature']
    return F.cross_entropy(logits, torch.zeros(logits.shape[0], dtype=torch.long))

def dcl(z1, z2, c):
    T = c['temperature']; sigma = c.get('sigma')
    def w(a, b):
        return 2 - a.shape[0] * F.softmax(torch.einsum('nm,nm->n', a, b) / sigma, dim=0)
    def side(o0, o1):
        n = o0.shape[0]; diag = torch.eye(n, dtype=torch.bool)
        s00 = o0 @ o0.T / T; s01 = o0 @ o1.T / T
        pos = -s01[diag]
        if sigma is not None:
            pos = pos * w(o0, o1)
        s00 = s00[~diag].view(n, -1); s01 = s01[~diag].view(n, -1)
        return (pos + torch.logsumexp(s00, 1) + torch.logsumexp(s01, 1)).mean()
    o0 = F.normalize(z1, dim=1); o1 = F.normalize(z2, dim=1)
    return 0.5 * (side(o0, o1) + side(o1, o0))

def barlow(z1, z2, c):
    n, d = z1.shape
    both = F.batch_norm(torch.stack([z1, z2]).flatten(0, 1), None, None, training=True).view(2, n, d)
    cc = both[0].T @ both[1] / n
    off = cc.flatten()[:-1].view(d - 1, d + 1)[:, 1:].flatten()
    return (torch.diagonal(cc) - 1).pow(2).sum() + c['lambdaParam'] * off.pow(2).sum()

def vicreg(z1, z2, c):
    def var_loss(x):
        return F.relu(1.0 - torch.sqrt(x.var(dim=0) + 1e-4)).mean()
    def cov_loss(x):
        x = x - x.mean(dim=0); b, d = x.shape
        cov = x.T @ x / (b - 1)
        return cov[~torch.eye(d, dtype=torch.bool)].pow(2).sum() / d
    return 25 * F.mse_loss(z1, z2) + 25 * 0.5 * (var_loss(z1) + var_loss(z2)) + (cov_loss(z1) + cov_loss(z2))

def negcos(z1, z2, c):
    return -F.cosine_similarity(z1, z2, 1, 1e-8).mean()

LABEL = {'ContrastiveLoss': contrastive, 'SupConLoss': supcon, 'TripletMarginLoss': triplet, 'NPairsLoss': npairs}
VIEWS = {'NTXentLoss': ntxent, 'DCLLoss': dcl, 'DCLWLoss': dcl, 'BarlowTwinsLoss': barlow, 'VICRegLoss': vicreg, 'NegativeCosineSimilarity': negcos}
out = []
for c in json.load(sys.stdin):
    if c['loss'] in LABEL:
        x = torch.tensor(c['x']).requires_grad_()
        l = LABEL[c['loss']](x, torch.tensor(c['labels']), c)
        ins = [x]
    elif c['loss'] == 'InfoNCELoss':
        ins = [torch.tensor(c['z1']).requires_grad_(), torch.tensor(c['z2']).requires_grad_()]
        l = infonce(ins[0], ins[1], torch.tensor(c['queue']), c)
    else:
        ins = [torch.tensor(c['z1']).requires_grad_(), torch.tensor(c['z2']).requires_grad_()]
        l = VIEWS[c['loss']](ins[0], ins[1], c)
    l.backward()
    out.append({'value': l.item(), 'grads': [t.grad.tolist() if t.grad is not None else None for t in ins]})
print(json.dumps(out))
`;
