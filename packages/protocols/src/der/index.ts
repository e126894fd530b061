export * as der from './encode.js';
export { readNode, readRoot, expectNode, childrenOf, decodeOid, decodeString, bitStringBytes, type DerNode } from './decode.js';
export {
  parseCertificationRequest,
  certificateParts,
  parseSubjectPublicKeyInfo,
  certificateExtensions,
  nameToString,
  commonNameDer,
  algorithmIdentifier,
  extension,
  tbsCertificate,
  signedCertificate,
  NAME_OIDS,
  type NameAttribute,
  type ParsedCertificationRequest,
  type CertificateParts,
  type SubjectPublicKeyInfo,
  type CertificateExtension,
  type TbsCertificate,
} from './x509.js';
