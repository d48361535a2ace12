// Which npm S3 client the JS side (upload-dedup server) can use against Ceph
// RGW: aws4fetch and @aws-sdk/client-s3, each doing a create-only PUT
// (If-None-Match: *), the conflicting PUT (must be 412), GET, paginated
// ListObjectsV2, a ranged GET and DELETE. Not part of the npm package's
// dependencies; install the clients outside the repo:
//
//   npm install --prefix "$CHUNKER_CACHE/s3-js" aws4fetch @aws-sdk/client-s3
//   eval "$(bash scripts/s3/rgw.sh start)"
//   S3_JS_DEPS="$CHUNKER_CACHE/s3-js" node tests/s3/js-clients.mjs
//   bash scripts/s3/rgw.sh stop
//
// Prints one JSON line per client and check; exits 1 if a check fails.
import { createRequire } from 'node:module';
import path from 'node:path';
import crypto from 'node:crypto';
import fs from 'node:fs';

const deps = process.env.S3_JS_DEPS;
const endpoint = process.env.CHUNKER_S3_ENDPOINT;
const bucket = process.env.CHUNKER_S3_BUCKET;
const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
if (!deps || !endpoint || !bucket || !accessKeyId || !secretAccessKey) {
  console.error('needs S3_JS_DEPS, CHUNKER_S3_ENDPOINT, CHUNKER_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(deps), 'node_modules', 'x.js'));
const region = 'us-east-1';
const run = crypto.randomBytes(4).toString('hex');
const body = crypto.randomBytes(100000);
let failed = 0;
// (aws4fetch's "exports" hide its package.json from require)
const pkgVersion = (name) =>
  JSON.parse(fs.readFileSync(path.join(path.resolve(deps), 'node_modules', name, 'package.json'), 'utf8')).version;

function report(client, check, ok, detail = '') {
  if (!ok) failed++;
  console.log(JSON.stringify({ client, check, ok, detail: String(detail).slice(0, 300) }));
}

async function viaAws4fetch() {
  const { AwsClient } = require('aws4fetch');
  const version = pkgVersion('aws4fetch');
  const aws = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region });
  const name = `aws4fetch ${version}`;
  const key = `js-check/aws4fetch-${run}/a b+c`;
  const url = (k, q = '') => `${endpoint}/${bucket}/${k.split('/').map(encodeURIComponent).join('/')}${q}`;
  let r = await aws.fetch(url(key), { method: 'PUT', body, headers: { 'If-None-Match': '*' } });
  report(name, 'create-only PUT', r.status === 200, r.status);
  r = await aws.fetch(url(key), { method: 'PUT', body: 'other', headers: { 'If-None-Match': '*' } });
  report(name, 'conflicting create-only PUT -> 412', r.status === 412, r.status);
  r = await aws.fetch(url(key));
  const got = Buffer.from(await r.arrayBuffer());
  report(name, 'GET', r.status === 200 && got.equals(body), `${r.status} ${got.length} bytes`);
  r = await aws.fetch(url(key), { headers: { Range: 'bytes=10-19' } });
  const part = Buffer.from(await r.arrayBuffer());
  report(name, 'ranged GET', r.status === 206 && part.equals(body.subarray(10, 20)), r.status);
  for (let i = 0; i < 3; i++) await aws.fetch(url(`js-check/aws4fetch-${run}/k${i}`), { method: 'PUT', body: 'x' });
  let token = '', keys = [], pages = 0;
  do {
    const q = new URLSearchParams({ 'list-type': '2', 'max-keys': '2', prefix: `js-check/aws4fetch-${run}/` });
    if (token) q.set('continuation-token', token);
    r = await aws.fetch(`${endpoint}/${bucket}?${q}`);
    const xml = await r.text();
    // (a real XML parser in the server; a regex is enough to check the protocol here)
    keys.push(...[...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]));
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? (/<NextContinuationToken>([^<]*)</.exec(xml) || [])[1] : '';
    pages++;
  } while (token && pages < 10);
  report(name, 'ListObjectsV2 with continuation tokens', keys.length === 4 && pages === 2, `${keys.length} keys, ${pages} pages`);
  for (const k of [key, ...[0, 1, 2].map((i) => `js-check/aws4fetch-${run}/k${i}`)]) {
    r = await aws.fetch(url(k), { method: 'DELETE' });
    if (r.status !== 204) report(name, 'DELETE', false, r.status);
  }
  report(name, 'DELETE', true);
}

async function viaSdk(checksums) {
  const s3 = require('@aws-sdk/client-s3');
  const version = pkgVersion('@aws-sdk/client-s3');
  const name = `@aws-sdk/client-s3 ${version} (checksums ${checksums})`;
  const client = new s3.S3Client({
    endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: checksums, responseChecksumValidation: checksums, maxAttempts: 1,
  });
  const key = `js-check/sdk-${checksums}-${run}/a b+c`;
  const status = (e) => `${e.$metadata?.httpStatusCode} ${e.name}: ${e.message}`;
  try {
    await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
    report(name, 'create-only PUT', true);
  } catch (e) {
    report(name, 'create-only PUT', false, status(e));
    return;
  }
  try {
    await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: 'other', IfNoneMatch: '*' }));
    report(name, 'conflicting create-only PUT -> 412', false, 'succeeded');
  } catch (e) {
    report(name, 'conflicting create-only PUT -> 412', e.$metadata?.httpStatusCode === 412, status(e));
  }
  const g = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key }));
  const got = Buffer.from(await g.Body.transformToByteArray());
  report(name, 'GET', got.equals(body), `${got.length} bytes`);
  const rg = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=10-19' }));
  report(name, 'ranged GET', Buffer.from(await rg.Body.transformToByteArray()).equals(body.subarray(10, 20)));
  for (let i = 0; i < 3; i++)
    await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: `js-check/sdk-${checksums}-${run}/k${i}`, Body: 'x' }));
  let keys = [], pages = 0;
  for await (const page of s3.paginateListObjectsV2({ client, pageSize: 2 }, { Bucket: bucket, Prefix: `js-check/sdk-${checksums}-${run}/` })) {
    keys.push(...(page.Contents || []).map((c) => c.Key));
    pages++;
  }
  report(name, 'ListObjectsV2 with continuation tokens', keys.length === 4 && pages === 2, `${keys.length} keys, ${pages} pages`);
  for (const k of keys) await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: k }));
  report(name, 'DELETE', true);
}

for (const [label, fn] of [['aws4fetch', () => viaAws4fetch()], ['sdk default', () => viaSdk('WHEN_SUPPORTED')],
  ['sdk when_required', () => viaSdk('WHEN_REQUIRED')]]) {
  try {
    await fn();
  } catch (e) {
    report(label, 'unexpected error', false, `${e.$metadata?.httpStatusCode ?? ''} ${e.name}: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
